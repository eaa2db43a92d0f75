"""The alerts section: pending and firing alerts, worst first, each with its delivery path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from watchdog.notify.delivery import DeliveryChain
from watchdog.notify.outbox import Route
from watchdog.redact import redact
from watchdog.rules.alerting import AlertState
from watchdog.rules.group import GroupState
from watchdog.rules.model import AlertingRule
from watchdog.rules.templates.gofmt import shortest_e
from watchdog.status.sources import AlertMarksSource
from watchdog.status.views import AlertDelivery, AlertView, When

__all__ = ["SEVERITY_ORDER", "build_alerts", "severity_rank"]

SEVERITY_ORDER = ("critical", "page", "error", "high", "warning", "medium", "info", "low", "none")
_SUMMARY_KEYS = ("summary", "description", "message")
_SUMMARY_LENGTH = 300


def severity_rank(severity: str) -> int:
    """Position of a severity label value, worst first; unknown values after the known."""
    value = severity.lower()
    return SEVERITY_ORDER.index(value) if value in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _summary(annotations: Mapping[str, str]) -> str:
    for key in _SUMMARY_KEYS:
        text = annotations.get(key, "").strip()
        if text:
            text = " ".join(redact(text).split())
            return text if len(text) <= _SUMMARY_LENGTH else text[: _SUMMARY_LENGTH - 1] + "…"
    return ""


def _route_words(route: Route) -> str:
    return "Alertmanager" if route == "primary" else "the emergency receivers"


def alert_delivery(
    chain: DeliveryChain,
    fingerprint: str,
    state: AlertState,
    waiting: Mapping[str, tuple[Route, float]],
) -> AlertDelivery:
    """How the alert with this fingerprint was delivered, or where it waits."""
    accepted = chain.ledger.last(fingerprint)
    if fingerprint in waiting:
        route, created = waiting[fingerprint]
        detail = f"waiting in the outbox for {_route_words(route)}"
        if route == "primary" and chain.switch.active:
            detail += " (fallback active: the emergency receivers take it)"
        if accepted is not None:
            detail += f"; last accepted by {accepted.channel}"
        return AlertDelivery("outbox", detail, When(created))
    told = chain.emergency.last_told(fingerprint)
    if told is not None and (accepted is None or told[1].sent_at >= accepted.at):
        receiver, entry = told
        what = "" if entry.status == "firing" else f" ({entry.status})"
        return AlertDelivery(
            "emergency", f"sent by the fallback path to {receiver}{what}", When(entry.sent_at)
        )
    if accepted is not None:
        return AlertDelivery(
            "alertmanager", f"accepted by Alertmanager {accepted.channel}", When(accepted.at)
        )
    if state is AlertState.PENDING:
        return AlertDelivery("not_sent", "pending alerts are not sent")
    return AlertDelivery("unknown", "no delivery recorded since the daemon started")


def build_alerts(
    groups: Iterable[GroupState],
    chain: DeliveryChain,
    waiting: Mapping[str, tuple[Route, float]],
    now: float,
    marks: AlertMarksSource | None = None,
) -> list[AlertView]:
    """Every pending and firing alert, severity first, then firing before pending, oldest
    first."""
    views: list[AlertView] = []
    for group in groups:
        for status in group.rules:
            rule = status.rule
            if status.alerts is None or not isinstance(rule, AlertingRule):
                continue
            for alert in status.alerts.alerts():
                if alert.state not in (AlertState.FIRING, AlertState.PENDING):
                    continue
                labels = {k: redact(v) for k, v in dict(alert.labels).items()}
                fp = chain.identity(dict(alert.labels))
                sent_labels = {**chain.external_labels, **dict(alert.labels)}
                mark = marks(sent_labels, now) if marks is not None else None
                pending = alert.state is AlertState.PENDING
                since = alert.active_at if pending else alert.fired_at or alert.active_at
                views.append(
                    AlertView(
                        name=rule.name,
                        state="pending" if pending else "firing",
                        severity=labels.get("severity", ""),
                        fingerprint=fp,
                        labels=labels,
                        summary=_summary(alert.annotations),
                        since=When(since),
                        for_remaining=max(0.0, rule.for_ - (now - alert.active_at))
                        if pending
                        else None,
                        value=shortest_e(alert.value),
                        group=group.group.name,
                        delivery=alert_delivery(chain, fp, alert.state, waiting),
                        silenced_by=list(mark.silenced_by) if mark is not None else None,
                        inhibited_by=list(mark.inhibited_by) if mark is not None else None,
                        fallback_receivers=list(mark.receivers) if mark is not None else None,
                    )
                )
    views.sort(key=lambda a: (severity_rank(a.severity), a.state != "firing", a.since.ts, a.name))
    return views
