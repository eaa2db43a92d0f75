"""The durable outbox: order, acknowledgement, bounds, emergency rounds, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from devstack.polling import wait_for
from tests.notify.conftest import alert
from tests.support.components import REPO
from watchdog.notify.outbox import LogEntry, Outbox

T = 1_700_000_000.0


def _outbox(path: Path, max_items: int = 100, max_age: float = 3600.0) -> Outbox:
    return Outbox(path / "outbox.db", max_items=max_items, max_age=max_age)


def test_rows_survive_reopen_in_order_and_exactly_as_recorded(tmp_path: Path) -> None:
    """What ``add`` stored comes back after reopening, in order, field for field."""
    box = _outbox(tmp_path)
    first = [alert("A", start=T, instance="a"), alert("B", "resolved", start=T, end=T + 9)]
    box.add("g1", first, T)
    box.add("g2", [alert("C", start=T + 1)], T + 1)
    box.close()
    again = _outbox(tmp_path)
    rows = again.pending()
    assert [r.notification for r in rows] == [*first, alert("C", start=T + 1)]
    assert [r.round for r in rows] == [rows[0].id, rows[0].id, rows[2].id]
    assert [r.group for r in rows] == ["g1", "g1", "g2"]


def test_complete_removes_rows_once(tmp_path: Path) -> None:
    """Acknowledged rows leave; a second acknowledgement reports nothing new."""
    box = _outbox(tmp_path)
    rows, _ = box.add("g", [alert("A", start=T), alert("B", start=T)], T)
    assert box.complete([rows[0].id]) == [rows[0].id]
    assert box.complete([rows[0].id, rows[1].id]) == [rows[1].id]
    assert box.stats() == (0, None)


def test_max_items_pushes_out_the_oldest(tmp_path: Path) -> None:
    """Beyond max_items the oldest rows are returned as expired, newest kept."""
    box = _outbox(tmp_path, max_items=3)
    box.add("g", [alert(f"A{i}", start=T) for i in range(2)], T)
    _, expired = box.add("g", [alert(f"B{i}", start=T) for i in range(2)], T + 1)
    assert [r.notification.alertname for r in expired] == ["A0"]
    assert [r.notification.alertname for r in box.pending()] == ["A1", "B0", "B1"]


def test_max_age_expires_old_rows(tmp_path: Path) -> None:
    """Rows older than max_age are removed and returned; younger ones stay."""
    box = _outbox(tmp_path, max_age=100.0)
    box.add("g", [alert("Old", start=T)], T)
    box.add("g", [alert("New", start=T)], T + 50)
    assert box.expire(T + 100.0) == []
    expired = box.expire(T + 120.0)
    assert [r.notification.alertname for r in expired] == ["Old"]
    assert box.stats() == (1, T + 50)


def test_emergency_rows_take_primary_rows_only_during_fallback(tmp_path: Path) -> None:
    """Emergency rows always qualify, oldest first; primary alerts only when asked; limited."""
    box = _outbox(tmp_path)
    box.add("g", [alert("P1", start=T), alert("P2", start=T)], T)
    box.add("g", [alert("E", start=T)], T, route="emergency", kind="notice", note="why")
    assert [r.notification.alertname for r in box.emergency_rows(False, 10)] == ["E"]
    assert [r.notification.alertname for r in box.emergency_rows(True, 10)] == ["P1", "P2", "E"]
    assert [r.notification.alertname for r in box.emergency_rows(True, 2)] == ["P1", "P2"]
    rows = box.emergency_rows(False, 10)
    assert rows[0].note == "why"
    assert rows[0].kind == "notice"


def test_reroute_sends_rows_to_the_emergency_path(tmp_path: Path) -> None:
    """A rerouted primary row becomes an emergency round with its note."""
    box = _outbox(tmp_path)
    rows, _ = box.add("g", [alert("R", start=T)], T)
    box.reroute([rows[0].id], "rejected")
    (row,) = box.emergency_rows(False, 10)
    assert (row.route, row.note) == ("emergency", "rejected")


def test_receiver_logs_persist_and_prune(tmp_path: Path) -> None:
    """Receiver notification logs survive reopening; pruning forgets old entries."""
    box = _outbox(tmp_path)
    box.record_sent("pager", [("fp1", "firing")], T)
    box.record_sent("pager", [("fp2", "resolved")], T + 10)
    box.close()
    box = _outbox(tmp_path)
    assert box.receiver_logs() == {
        "pager": {"fp1": LogEntry("firing", T), "fp2": LogEntry("resolved", T + 10)}
    }
    assert box.prune_logs(T + 5) == 1
    assert list(box.receiver_logs()["pager"]) == ["fp2"]


def test_kill_9_while_writing_loses_no_acknowledged_row(tmp_path: Path) -> None:
    """Every row a writer reported as added is present after it is SIGKILLed mid-stream."""
    out = tmp_path / "writer.out"
    with out.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.notify.outbox_writer", str(tmp_path / "outbox.db")],
            stdout=sink,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            wait_for(
                lambda: len(out.read_text().splitlines()) >= 50,
                timeout=30,
                message="the writer to add 50 rows",
            )
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
    lines = [line.split() for line in out.read_text().splitlines()]
    reported = [p for p in lines if len(p) == 2 and len(p[1]) == 16]  # a cut-off last line aside
    stored = {r.id: r.notification for r in _outbox(tmp_path).pending()}
    for row_id, fingerprint in reported:
        assert int(row_id) in stored, f"row {row_id} acknowledged but lost"
        assert stored[int(row_id)].fingerprint == fingerprint
    assert sorted(stored) == list(range(1, len(stored) + 1)), "ids stay contiguous"
