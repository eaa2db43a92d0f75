"""Deny-pattern matching on real processes: by name, by command line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from watchdog.hostcheck.processes import find_denied


def test_name_matches_when_argv_hides_it(tmp_path: Path) -> None:
    """A binary file named like the pattern is found by its name even when argv[0] lies."""
    marker = f"wdname{uuid.uuid4().hex[:6]}"
    binary = tmp_path / marker
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    proc = subprocess.Popen(["innocent", "60"], executable=binary)
    try:
        found = [p for p in find_denied([re.compile(marker)]) if p.pid == proc.pid]
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert [(p.name, p.matched_in) for p in found] == [(marker, "name")]


def test_command_line_matches_when_name_is_innocent() -> None:
    """An interpreter whose arguments name a mining pool is found by its command line."""
    marker = f"stratum+tcp://pool-{uuid.uuid4().hex[:6]}"
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", marker])
    try:
        found = [p for p in find_denied([re.compile(re.escape(marker))]) if p.pid == proc.pid]
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert [p.matched_in for p in found] == ["cmdline"]
