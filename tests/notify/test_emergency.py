"""Which alerts of a round each emergency receiver still has to be told (exact clock)."""

from __future__ import annotations

from tests.notify.conftest import alert
from watchdog.alerts import Notification
from watchdog.notify.emergency import due_alerts
from watchdog.notify.outbox import Kind, LogEntry, OutboxRow

T = 1_700_000_000.0
HOUR = 3600.0


def _rows(*alerts: Notification, kind: Kind = "alert") -> list[OutboxRow]:
    return [OutboxRow(i + 1, 1, "g", T, "primary", kind, "", a) for i, a in enumerate(alerts)]


def _due(
    rows: list[OutboxRow], log: dict[str, LogEntry], now: float, send_resolved: bool = True
) -> list[str]:
    due = due_alerts(rows, log, now, repeat_interval=HOUR, send_resolved=send_resolved)
    return [f"{a.alertname}:{a.status}" for a in due]


FIRING = alert("Down", start=T)
RESOLVED = alert("Down", "resolved", start=T, end=T + 600)


def test_new_firing_alert_is_due() -> None:
    """A receiver that never heard of an alert is told it fires."""
    assert _due(_rows(FIRING), {}, T) == ["Down:firing"]


def test_firing_alert_repeats_only_after_repeat_interval() -> None:
    """Told at T: not again at T+59m59s, again at T+1h."""
    log = {FIRING.fingerprint: LogEntry("firing", T)}
    assert _due(_rows(FIRING), log, T + HOUR - 1) == []
    assert _due(_rows(FIRING), log, T + HOUR) == ["Down:firing"]


def test_firing_again_after_resolved_is_due_at_once() -> None:
    """An alert that fires again after its resolved notice is news."""
    log = {FIRING.fingerprint: LogEntry("resolved", T + 10)}
    assert _due(_rows(FIRING), log, T + 20) == ["Down:firing"]


def test_resolved_is_due_once() -> None:
    """The first resolved notice is due; re-sent resolved alerts are not."""
    assert _due(_rows(RESOLVED), {FIRING.fingerprint: LogEntry("firing", T)}, T + 600) == [
        "Down:resolved"
    ]
    assert _due(_rows(RESOLVED), {FIRING.fingerprint: LogEntry("resolved", T + 600)}, T + 660) == []


def test_resolved_is_due_even_if_firing_went_elsewhere() -> None:
    """An alert resolved during an outage is reported although this receiver missed the firing."""
    assert _due(_rows(RESOLVED), {}, T + 600) == ["Down:resolved"]


def test_send_resolved_false_skips_resolved_notices() -> None:
    """A receiver configured without resolved notices gets none."""
    log = {FIRING.fingerprint: LogEntry("firing", T)}
    assert _due(_rows(RESOLVED), log, T + 600, send_resolved=False) == []


def test_followup_goes_only_where_firing_was_told() -> None:
    """A follow-up resolved notice goes to receivers that were told the alert fired."""
    rows = _rows(RESOLVED, kind="followup")
    assert _due(rows, {FIRING.fingerprint: LogEntry("firing", T)}, T + 600) == ["Down:resolved"]
    assert _due(rows, {}, T + 600) == []


def test_notices_are_always_due() -> None:
    """A delivery notice is not deduplicated."""
    notice = alert("WatchdogFallbackDelivery", "resolved", start=T, end=T + 60)
    log = {notice.fingerprint: LogEntry("resolved", T + 60)}
    assert _due(_rows(notice, kind="notice"), log, T + 61) == ["WatchdogFallbackDelivery:resolved"]


def test_round_keeps_only_the_due_part_in_order() -> None:
    """Mixed rounds keep the due alerts in their original order."""
    other = alert("Other", start=T)
    log = {FIRING.fingerprint: LogEntry("firing", T)}
    assert _due(_rows(other, FIRING, alert("Third", start=T)), log, T + 60) == [
        "Other:firing",
        "Third:firing",
    ]
