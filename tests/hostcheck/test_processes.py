"""Deny-pattern matching on real processes: by name, by command line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from watchdog.hostcheck.processes import find_denied
from watchdog.userregex import compile_regex

SLEEP = shutil.which("sleep") or "/bin/sleep"


@pytest.mark.parametrize("how", ["symlink", "copy"])
def test_name_matches_even_when_argv_lies(tmp_path: Path, how: str) -> None:
    """A sleep symlinked or copied under a denied name is found by name, whatever argv[0] says.

    The kernel names a process after the file passed to execve (the symlink's own name, not its
    target), so psutil's name() is the denied name in both cases; /proc/PID/exe would show
    /usr/bin/sleep for the symlink, which is why exe is not what is matched.
    """
    marker = f"wdname{uuid.uuid4().hex[:6]}"
    binary = tmp_path / marker
    if how == "symlink":
        binary.symlink_to(SLEEP)
    else:
        shutil.copy(SLEEP, binary)
    proc = subprocess.Popen(["innocent", "60"], executable=binary)
    try:
        found = [p for p in find_denied([compile_regex(marker)]) if p.pid == proc.pid]
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert [(p.name, p.matched_in) for p in found] == [(marker, "name")]


def test_command_line_matches_when_name_is_innocent() -> None:
    """An interpreter whose arguments name a mining pool is found by its command line."""
    marker = f"stratum+tcp://pool-{uuid.uuid4().hex[:6]}"
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", marker])
    try:
        found = [p for p in find_denied([compile_regex(re.escape(marker))]) if p.pid == proc.pid]
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert [p.matched_in for p in found] == ["cmdline"]
