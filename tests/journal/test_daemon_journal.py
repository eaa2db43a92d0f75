"""The real daemon and its journal: tampering found at start or while running pages the
emergency receivers; heartbeats carry an anchor that later proves a truncation."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.polling import wait_for
from devstack.procs import run_watchdog_cli
from tests.support.components import Running, start_daemon
from tests.support.httpsink import HttpSink
from watchdog.journal import ANCHOR_FILE, JOURNAL_FILE, Journal

pytestmark = pytest.mark.slow

DEADLINE = 30.0
KEY = "journal-key-" + "9" * 32


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """Alertmanager, the emergency webhook and the dead man's switch, recording requests."""
    server = HttpSink().start()
    yield server
    server.stop()


def config(sink: HttpSink, **extra: Any) -> dict[str, Any]:
    """No targets; an Alertmanager (the sink) that accepts, and an emergency webhook."""
    return {
        "global": {"interval": "1s", "timeout": "1s", "evaluation_interval": "1s"},
        "alerting": {
            "alertmanagers": [{"url": sink.url("/am")}],
            "emergency": [{"kind": "webhook", "name": "pager", "url": sink.url("/hook")}],
            "backoff": {"initial": "100ms", "max": "1s"},
        },
        **extra,
    }


def tampered_alerts(sink: HttpSink) -> list[dict[str, Any]]:
    """WatchdogJournalTampered alerts that reached the emergency webhook, firing."""
    return [
        alert
        for record in sink.records("/hook")
        for alert in record.json()["alerts"]
        if alert["labels"]["alertname"] == "WatchdogJournalTampered" and alert["status"] == "firing"
    ]


def run_once(workdir: Path, settings: dict[str, Any]) -> None:
    """Start the daemon, let it verify and anchor its journal, stop it."""
    daemon = start_daemon(workdir, settings)
    wait_for(
        lambda: "journal verified" in daemon.process.output(),
        timeout=DEADLINE,
        message="first verification",
    )
    assert daemon.stop() == 0


def sql(state: Path, statement: str, *args: object) -> None:
    """Tamper with journal.db as someone with file access would."""
    db = sqlite3.connect(state / JOURNAL_FILE)
    with db:
        db.execute(statement, args)
    db.close()


TAMPERINGS: dict[str, Callable[[Path], None]] = {
    "edited entry": lambda state: sql(state, "UPDATE journal SET data = '{}' WHERE seq = 1"),
    "cut tail": lambda state: sql(state, "DELETE FROM journal WHERE seq > 1"),
    "emptied table": lambda state: sql(state, "DELETE FROM journal"),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_tampered_journal_at_start_pages_the_emergency_receiver(
    tmp_path: Path, sink: HttpSink, tampering: str
) -> None:
    """A journal edited, cut or emptied while the daemon was stopped is found at the next
    start: WatchdogJournalTampered reaches the emergency webhook although Alertmanager
    accepts, naming the problem."""
    settings = config(sink)
    run_once(tmp_path, settings)
    TAMPERINGS[tampering](tmp_path / "state")
    daemon = start_daemon(tmp_path, settings)
    try:
        [alert, *_] = wait_for(
            lambda: tampered_alerts(sink), timeout=DEADLINE, message="journal page at the hook"
        )
    finally:
        daemon.stop()
    assert alert["labels"]["outcome"] == "tampered"
    assert alert["labels"]["problem"] in alert["annotations"]["description"]
    assert "emergency receivers" in alert["annotations"]["watchdog_fallback_reason"]
    am_names = [
        a["labels"]["alertname"] for r in sink.records("/am/api/v2/alerts") for a in r.json()
    ]
    assert "WatchdogJournalTampered" in am_names


def test_forged_append_while_running_pages_within_the_verify_interval(
    tmp_path: Path, sink: HttpSink
) -> None:
    """With a journal key, an entry appended by a writer without it is found by the next
    periodic check and paged."""
    key_file = tmp_path / "journal-key"
    key_file.write_text(KEY)
    settings = config(sink, journal={"hmac_key_file": str(key_file), "verify_interval": "1s"})
    daemon = start_daemon(tmp_path, settings)
    try:
        wait_for(
            lambda: "journal verified" in daemon.process.output(),
            timeout=DEADLINE,
            message="first verification",
        )
        forger = Journal(tmp_path / "state" / JOURNAL_FILE)
        forger.append("alert", {"alertname": "VaultSealed", "from": "firing", "to": "inactive"}, 0)
        forger.close()
        [alert, *_] = wait_for(
            lambda: tampered_alerts(sink), timeout=DEADLINE, message="journal page at the hook"
        )
    finally:
        daemon.stop()
    assert "carries no seal" in alert["labels"]["problem"]


def test_heartbeat_anchor_proves_a_later_truncation(tmp_path: Path, sink: HttpSink) -> None:
    """The dead man's switch records HEAD:COUNT from every ping; after the journal's tail and
    local anchor are removed, ``journal verify --against`` that record fails, naming them."""
    settings = config(sink)
    settings["alerting"]["heartbeat"] = {"url": sink.url("/ping"), "interval": "1s"}
    daemon: Running = start_daemon(tmp_path, settings)
    try:
        ping = wait_for(
            lambda: [r for r in sink.records("/ping") if "x-watchdog-journal-anchor" in r.headers],
            timeout=DEADLINE,
            message="a ping with the journal anchor",
        )[-1]
    finally:
        daemon.stop()
    anchor = ping.headers["x-watchdog-journal-anchor"]
    count = int(anchor.split(":")[1])
    assert count >= 1
    state = tmp_path / "state"
    ok = run_watchdog_cli("journal", "verify", "--state-dir", str(state), "--against", anchor)
    assert ok.returncode == 0, ok.stderr
    sql(state, "DELETE FROM journal WHERE seq >= ?", count)
    (state / ANCHOR_FILE).unlink()
    cut = run_watchdog_cli("journal", "verify", "--state-dir", str(state), "--against", anchor)
    assert cut.returncode == 1
    assert f"recorded {count} entries" in cut.stderr
