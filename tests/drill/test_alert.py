"""The drill alert: unique, labelled as a drill, and never left firing for long."""

from __future__ import annotations

from datetime import datetime

from watchdog.drill.alert import DRILL_ALERTNAME, new_drill


def test_the_drill_alert_outlives_the_planned_drill() -> None:
    """endsAt covers the planned drill (timeouts and hold) plus ten minutes, then AM expires it."""
    drill = new_drill(1_700_000_000.0, lasts=90.0)
    firing = drill.firing()
    assert firing.ends_at - firing.starts_at == 90.0 + 600.0
    assert drill.resolved(1_700_000_030.0).status == "resolved"
    assert drill.id.startswith("20231114T221320Z-")


def test_the_resolve_never_ends_in_the_future() -> None:
    """As sent (millisecond precision), the resolve's endsAt is never after the moment it is made,
    so Alertmanager takes it as resolved on arrival."""
    drill = new_drill(1_700_000_000.0)
    for step in range(2000):
        now = 1_700_000_000.0 + step * 0.0001237
        sent = drill.resolved(now).to_alertmanager()["endsAt"]
        assert datetime.fromisoformat(sent.replace("Z", "+00:00")).timestamp() <= now


def test_labels_say_drill_and_keep_external_labels_routable() -> None:
    """External labels come along for routing; alertname, severity and drill cannot be changed."""
    drill = new_drill(1_700_000_000.0, {"watchdog": "bastion-1", "severity": "critical"})
    assert drill.labels == {
        "watchdog": "bastion-1",
        "alertname": DRILL_ALERTNAME,
        "severity": "none",
        "drill": drill.id,
    }
    assert "no action needed" in drill.annotations["summary"]
    assert drill.started_by in drill.annotations["description"]
