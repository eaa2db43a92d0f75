"""``monitor-watchdog journal verify|show`` as a user runs them."""

from __future__ import annotations

import io
import sqlite3
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from watchdog.cli import main
from watchdog.journal import JOURNAL_FILE, Journal


@dataclass
class _Run:
    returncode: int
    stdout: str
    stderr: str


def _cli(*args: str) -> _Run:
    """Run the command line in-process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return _Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """A state directory whose journal has an old entry and two recent ones."""
    journal = Journal(tmp_path / JOURNAL_FILE)
    now = time.time()
    journal.append("delivery", {"channel": "old", "outcome": "success"}, now - 7200)
    journal.append(
        "alert",
        {
            "alertname": "VaultSealed",
            "from": "pending",
            "to": "firing",
            "labels": {"instance": "vault-0"},
        },
        now - 60,
    )
    journal.append(
        "delivery",
        {"channel": "pager", "outcome": "error", "latency": 0.0123, "error": "HTTP 503: busy"},
        now - 30,
    )
    journal.close()
    return tmp_path


def test_verify_reports_an_intact_chain(state_dir: Path) -> None:
    """Exit 0 and the entry count for an untouched journal."""
    result = _cli("journal", "verify", "--state-dir", str(state_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 3 entries, chain intact; head ")


def test_verify_names_the_first_bad_entry(state_dir: Path) -> None:
    """Exit 1 and the entry number when an entry was edited."""
    db = sqlite3.connect(state_dir / JOURNAL_FILE)
    with db:
        db.execute("UPDATE journal SET data = '{}' WHERE seq = 2")
    db.close()
    result = _cli("journal", "verify", "--state-dir", str(state_dir))
    assert result.returncode == 1
    assert "FAILED at entry #2: entry #2 was altered" in result.stderr


def test_verify_finds_the_journal_through_the_config(state_dir: Path, tmp_path: Path) -> None:
    """``-c`` reads state_dir from the config file."""
    config = tmp_path / "watchdog.yml"
    config.write_text(yaml.safe_dump({"state_dir": str(state_dir)}))
    assert _cli("journal", "verify", "-c", str(config)).returncode == 0


def test_show_since_prints_recent_entries_for_humans(state_dir: Path) -> None:
    """``--since 1h`` leaves out the two-hour-old entry and prints one line per entry."""
    result = _cli("journal", "show", "--since", "1h", "--state-dir", str(state_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert " #2 alert alertname=VaultSealed from=pending to=firing " in lines[0]
    assert 'labels={instance="vault-0"}' in lines[0]
    assert lines[1].endswith(
        '#3 delivery channel=pager outcome=error latency=12ms error="HTTP 503: busy"'
    )


def test_show_json_and_kind_filter(state_dir: Path) -> None:
    """``--json --kind delivery`` prints machine-readable delivery entries only."""
    result = _cli("journal", "show", "--json", "--kind", "delivery", "--state-dir", str(state_dir))
    assert [line.count('"kind": "delivery"') for line in result.stdout.splitlines()] == [1, 1]


def test_missing_journal_and_bad_since_are_precise_errors(tmp_path: Path) -> None:
    """No journal: exit 2 naming the path. A bad duration: exit 2 naming the flag."""
    result = _cli("journal", "verify", "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"no journal at {tmp_path / JOURNAL_FILE}" in result.stderr
    result = _cli("journal", "show", "--since", "yesterday", "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("--since: ")
