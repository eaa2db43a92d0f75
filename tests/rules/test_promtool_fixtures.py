"""Prometheus v2.42's own promtool fixtures (``cmd/promtool/testdata``) through ``test rules``.

Each test file (one with ``tests:``) runs through Debian's promtool and ours; the verdicts must
agree, and they must be the ones promtool's own test expects (``failing.yml`` and the ``bad-*``
files fail, the rest pass). The fixtures are vendored under ``tests/conformance/``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.components import require_binary
from tests.support.conformance import conformance_dir
from watchdog.rules.promtool_tests.runner import run_test_file

EXPECTED_TO_FAIL = {
    "bad-input-series.yml",
    "bad-rules-error-test.yml",
    "bad-rules-syntax-test.yml",
    "failing.yml",
}
TEST_FILES = [
    "at-modifier-test.yml",
    "bad-input-series.yml",
    "bad-rules-error-test.yml",
    "bad-rules-syntax-test.yml",
    "failing.yml",
    "long-period.yml",
    "negative-offset-test.yml",
    "unittest.yml",
]


def test_every_fixture_test_file_is_covered() -> None:
    """The list above is every file with a ``tests`` section (none silently left out)."""
    folder = conformance_dir("promtool-testdata")
    found = sorted(
        p.name
        for p in folder.glob("*.yml")
        if isinstance(data := yaml.safe_load(p.read_text()), dict) and "tests" in data
    )
    assert found == TEST_FILES


@pytest.mark.parametrize("name", TEST_FILES)
def test_same_verdict_as_promtool_on_its_own_fixtures(name: str) -> None:
    """Debian's promtool and ours give the verdict promtool's own test suite expects."""
    promtool = require_binary("promtool")
    folder: Path = conformance_dir("promtool-testdata")
    proc = subprocess.run(
        [promtool, "test", "rules", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    expected_ok = name not in EXPECTED_TO_FAIL
    assert (proc.returncode == 0) == expected_ok, proc.stdout + proc.stderr
    ours = run_test_file(folder / name)
    assert ours.ok == expected_ok, "\n".join(ours.errors)
