"""Resend semantics and the notifications built from alerts (Prometheus rules/manager.go)."""

from __future__ import annotations

from watchdog.rules.alerting import Alert, AlertState
from watchdog.rules.sending import GeneratorLinks, due_alerts, needs_sending, to_notification
from watchdog.samples import LabelSet

LABELS = LabelSet({"alertname": "Down", "job": "x"})


def firing(**kw: float | None) -> Alert:
    alert = Alert(LABELS, {"summary": "s"}, AlertState.FIRING, active_at=0.0, fired_at=60.0)
    for key, value in kw.items():
        setattr(alert, key, value)
    return alert


def test_pending_alerts_are_never_sent() -> None:
    """Pending alerts are not due."""
    alert = Alert(LABELS, {}, AlertState.PENDING, active_at=0.0)
    assert not needs_sending(alert, 1000.0, 60.0)


def test_firing_alert_is_sent_then_resent_after_the_delay() -> None:
    """Sent at once, then only when ts > last_sent_at + resend_delay (strictly)."""
    alert = firing()
    assert due_alerts([alert], 60.0, 60.0, 15.0) == [alert]
    assert alert.last_sent_at == 60.0
    assert not needs_sending(alert, 120.0, 60.0)
    assert needs_sending(alert, 135.0, 60.0)


def test_resolution_is_sent_immediately() -> None:
    """An alert resolved after its last send is due at once."""
    alert = firing(last_sent_at=100.0)
    alert.state, alert.resolved_at = AlertState.INACTIVE, 110.0
    assert needs_sending(alert, 110.0, 60.0)


def test_ends_at_for_firing_and_resolved() -> None:
    """Firing: endsAt = now + 4 x max(interval, resend delay); resolved: endsAt = ResolvedAt."""
    alert = firing()
    (sent,) = due_alerts([alert], 100.0, 60.0, 15.0)
    note = to_notification(sent, group="g", external_labels={})
    assert (note.status, note.starts_at, note.ends_at) == ("firing", 60.0, 100.0 + 240.0)
    (sent,) = due_alerts([firing()], 100.0, 60.0, 120.0)
    assert sent.valid_until == 100.0 + 480.0
    alert.state, alert.resolved_at = AlertState.INACTIVE, 130.0
    note = to_notification(alert, group="g", external_labels={})
    assert (note.status, note.ends_at) == ("resolved", 130.0)


def test_external_labels_fill_missing_labels_only() -> None:
    """External labels are added unless the alert already has that label."""
    alert = firing(valid_until=1.0)
    note = to_notification(alert, group="g", external_labels={"job": "ext", "dc": "eu"})
    assert dict(note.labels) == {"alertname": "Down", "job": "x", "dc": "eu"}


def test_generator_url_like_prometheus_on_the_configured_ui() -> None:
    """With alerting.generator_url, generatorURL is Prometheus' escaped table link there."""
    links = GeneratorLinks(prometheus="http://prom:9090/", daemon="http://wd:9911")
    assert (
        links.link("vault", "Down", 'up{job="a"} == 0')
        == "http://prom:9090/graph?g0.expr=up%7Bjob%3D%22a%22%7D+%3D%3D+0&g0.tab=1"
    )


def test_generator_url_points_at_a_page_the_daemon_serves_or_nowhere() -> None:
    """Without a Prometheus UI: the rule in the daemon's own rules API, or no link at all."""
    links = GeneratorLinks(daemon="http://wd:9911/")
    assert links.link("vault ops", "Down", "up == 0") == (
        "http://wd:9911/api/v1/rules?rule_name%5B%5D=Down&rule_group%5B%5D=vault+ops"
    )
    assert GeneratorLinks().link("g", "Down", "up == 0") == ""
