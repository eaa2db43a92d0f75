"""What one waiting notification means to one emergency receiver (exact clock)."""

from __future__ import annotations

from tests.notify.conftest import alert
from watchdog.alerts import Notification
from watchdog.notify.emergency import row_status
from watchdog.notify.outbox import Kind, LogEntry, OutboxRow

T = 1_700_000_000.0
HOUR = 3600.0


def _row(note: Notification, kind: Kind = "alert") -> OutboxRow:
    return OutboxRow(1, 1, "g", T, "primary", kind, "", note)


def _status(
    note: Notification,
    log: dict[str, LogEntry],
    now: float,
    *,
    kind: Kind = "alert",
    send_resolved: bool = True,
) -> str | None:
    return row_status(_row(note, kind), log, now, repeat_interval=HOUR, send_resolved=send_resolved)


FIRING = alert("Down", start=T)
RESOLVED = alert("Down", "resolved", start=T, end=T + 600)


def test_new_firing_alert_is_due() -> None:
    """A receiver that never heard of an alert is told it fires."""
    assert _status(FIRING, {}, T) == "due"


def test_firing_alert_repeats_only_after_repeat_interval() -> None:
    """Told at T: the receiver has it until T+1h, then it is due again."""
    log = {FIRING.fingerprint: LogEntry("firing", T)}
    assert _status(FIRING, log, T + HOUR - 1) == "told"
    assert _status(FIRING, log, T + HOUR) == "due"


def test_firing_again_after_resolved_is_due_at_once() -> None:
    """An alert that fires again after its resolved notice is news."""
    log = {FIRING.fingerprint: LogEntry("resolved", T + 10)}
    assert _status(FIRING, log, T + 20) == "due"


def test_resolved_is_due_once_where_firing_was_told() -> None:
    """A receiver told it fired gets the resolve once; after that it has it."""
    assert _status(RESOLVED, {FIRING.fingerprint: LogEntry("firing", T)}, T + 600) == "due"
    told = {FIRING.fingerprint: LogEntry("resolved", T + 600)}
    assert _status(RESOLVED, told, T + 660) == "told"


def test_no_resolve_for_an_alert_the_receiver_was_never_paged_about() -> None:
    """An alert that fired and resolved elsewhere (through Alertmanager) is no news here."""
    assert _status(RESOLVED, {}, T + 600) is None


def test_receiver_without_resolves_plays_no_part_in_them() -> None:
    """send_resolved false (and the kind cannot resolve): no resolved notice."""
    log = {FIRING.fingerprint: LogEntry("firing", T)}
    assert _status(RESOLVED, log, T + 600, send_resolved=False) is None


def test_followup_goes_only_where_firing_was_told() -> None:
    """A follow-up resolved notice goes to receivers that were told the alert fired."""
    log = {FIRING.fingerprint: LogEntry("firing", T)}
    assert _status(RESOLVED, log, T + 600, kind="followup") == "due"
    assert _status(RESOLVED, {}, T + 600, kind="followup") is None


def test_notices_are_always_due() -> None:
    """A delivery notice is not deduplicated."""
    notice = alert("WatchdogFallbackDelivery", "resolved", start=T, end=T + 60)
    log = {notice.fingerprint: LogEntry("resolved", T + 60)}
    assert _status(notice, log, T + 61, kind="notice") == "due"
