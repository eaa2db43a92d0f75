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
from watchdog.journal import (
    ANCHOR_FILE,
    JOURNAL_FILE,
    NO_KEYS,
    Anchor,
    Journal,
    JournalKeys,
    LocalAnchor,
    entry_hash,
)


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


def test_without_a_location_the_daemons_state_directory_is_used(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``-c``/``--state-dir``: the journal under ``$STATE_DIRECTORY`` (its first entry)."""
    monkeypatch.setenv("STATE_DIRECTORY", f"{state_dir}:/elsewhere")
    verified = _cli("journal", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK: 3 entries")
    shown = _cli("journal", "show", "--kind", "alert")
    assert shown.returncode == 0 and "VaultSealed" in shown.stdout


def test_without_state_directory_the_fhs_default_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside systemd the default is /var/lib/monitor-watchdog, named when it has no journal."""
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    if (Path("/var/lib/monitor-watchdog") / JOURNAL_FILE).exists():
        pytest.skip("this machine has a real journal in the default state directory")
    result = _cli("journal", "verify")
    assert result.returncode == 2
    assert f"/var/lib/monitor-watchdog/{JOURNAL_FILE}" in result.stderr


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
    """No journal: exit 2 naming the path. A bad duration: a usage error (64) naming the flag."""
    result = _cli("journal", "verify", "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"no journal at {tmp_path / JOURNAL_FILE}" in result.stderr
    result = _cli("journal", "show", "--since", "yesterday", "--state-dir", str(tmp_path))
    assert result.returncode == 64
    assert result.stderr.startswith("monitor-watchdog journal show: error: --since: ")


def _anchor(state_dir: Path) -> str:
    """The anchor ``verify`` prints for the journal as it is now."""
    result = _cli("journal", "verify", "--state-dir", str(state_dir))
    assert result.returncode == 0, result.stderr
    return result.stdout.split("; anchor ")[1].split(";")[0].strip()


def test_verify_against_an_anchor_detects_truncation_and_emptying(state_dir: Path) -> None:
    """``--against HEAD:COUNT`` recorded earlier: exit 0 while the journal still holds it,
    exit 1 naming the removed entries once the tail is cut or the table emptied."""
    anchor = _anchor(state_dir)
    assert anchor.endswith(":3")
    ok = _cli("journal", "verify", "--state-dir", str(state_dir), "--against", anchor)
    assert (ok.returncode, "matches 1 anchor(s)" in ok.stdout) == (0, True)
    _sql(state_dir, "DELETE FROM journal WHERE seq = 3")
    cut = _cli("journal", "verify", "--state-dir", str(state_dir), "--against", anchor)
    assert cut.returncode == 1
    assert "FAILED at entry #3: the journal ends at entry #2" in cut.stderr
    _sql(state_dir, "DELETE FROM journal")
    empty = _cli("journal", "verify", "--state-dir", str(state_dir), "--against", anchor)
    assert empty.returncode == 1
    assert "it was emptied or replaced" in empty.stderr


def test_verify_against_detects_a_rehashed_tail(state_dir: Path) -> None:
    """A tail rewritten with fresh (unkeyed) hashes passes the chain but not the anchor."""
    anchor = _anchor(state_dir)
    db = sqlite3.connect(state_dir / JOURNAL_FILE)
    seq, ts, kind, prev = db.execute(
        "SELECT seq, ts, kind, prev FROM journal WHERE seq = 3"
    ).fetchone()
    data = '{"channel":"pager","outcome":"success"}'
    with db:
        db.execute(
            "UPDATE journal SET data = ?, hash = ? WHERE seq = 3",
            (data, entry_hash(seq, ts, kind, data, prev)),
        )
    db.close()
    assert _cli("journal", "verify", "--state-dir", str(state_dir)).returncode == 0
    result = _cli("journal", "verify", "--state-dir", str(state_dir), "--against", anchor)
    assert result.returncode == 1
    assert "entry #3 does not have the hash anchor" in result.stderr


def test_verify_with_keys_from_the_config_or_key_files(tmp_path: Path) -> None:
    """A sealed journal verifies with the config's key or ``--key-file``; without the key it
    is exit 3, cannot be verified; a bad anchor text is a usage error, 64."""
    key_file = tmp_path / "journal-key"
    key_file.write_text("s" * 40 + "\n")
    config = tmp_path / "watchdog.yml"
    state = tmp_path / "state"
    config.write_text(
        yaml.safe_dump({"state_dir": str(state), "journal": {"hmac_key_file": str(key_file)}})
    )
    journal = Journal(state / JOURNAL_FILE, keys=JournalKeys.of("s" * 40))
    journal.append("start", {}, time.time())
    journal.close()
    result = _cli("journal", "verify", "-c", str(config))
    assert (result.returncode, "sealed from entry #1" in result.stdout) == (0, True)
    keyed = _cli("journal", "verify", "--state-dir", str(state), "--key-file", str(key_file))
    assert keyed.returncode == 0
    unkeyed = _cli("journal", "verify", "--state-dir", str(state))
    assert unkeyed.returncode == 3
    assert unkeyed.stderr.startswith("UNVERIFIABLE at entry #1")
    bad = _cli("journal", "verify", "--state-dir", str(state), "--against", "12:beef")
    assert bad.returncode == 64
    assert bad.stderr.startswith("monitor-watchdog journal verify: error: --against: ")


def test_verify_uses_the_daemons_local_anchor(state_dir: Path) -> None:
    """``state_dir/journal.anchor`` (the daemon's last verified anchor) is checked too."""
    LocalAnchor(state_dir / ANCHOR_FILE, NO_KEYS).write(Anchor.parse(_anchor(state_dir)))
    _sql(state_dir, "DELETE FROM journal WHERE seq = 3")
    result = _cli("journal", "verify", "--state-dir", str(state_dir))
    assert result.returncode == 1
    assert "entry #3 was removed" in result.stderr


def _sql(state_dir: Path, statement: str) -> None:
    db = sqlite3.connect(state_dir / JOURNAL_FILE)
    with db:
        db.execute(statement)
    db.close()
