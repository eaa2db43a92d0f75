"""The alerts section: firing and pending alerts, worst first, with their delivery path."""

from __future__ import annotations

from watchdog.page.html import api_link, e, link, query_url
from watchdog.page.times import duration, when_html
from watchdog.status.views import AlertView

__all__ = ["alerts_section"]

_SHOWN_LABELS = 8
_STATE_ICON = {"firing": "✖", "pending": "◐"}
_PATH_WORDS = {
    "alertmanager": "via Alertmanager",
    "emergency": "via fallback",
    "outbox": "waiting in outbox",
    "not_sent": "not sent",
    "unknown": "no record",
}


def _labels(alert: AlertView) -> str:
    skipped = {"alertname", "severity"}
    shown = [(k, v) for k, v in sorted(alert.labels.items()) if k not in skipped]
    text = ", ".join(f"{k}={v}" for k, v in shown[:_SHOWN_LABELS])
    if len(shown) > _SHOWN_LABELS:
        text += f", … (+{len(shown) - _SHOWN_LABELS})"
    return f'<div class="labels">{e(text)}</div>' if text else ""


def _marks(alert: AlertView) -> str:
    parts = []
    if alert.silenced_by:
        parts.append(
            f'<span class="badge b-silenced">silenced</span> by {e(", ".join(alert.silenced_by))}'
        )
    if alert.inhibited_by:
        parts.append(
            f'<span class="badge b-silenced">inhibited</span> by {e(", ".join(alert.inhibited_by))}'
        )
    if alert.fallback_receivers is not None:
        routes = ", ".join(alert.fallback_receivers) or "no receiver matches"
        parts.append(f'<span class="muted">fallback route: {e(routes)}</span>')
    return f"<div>{' · '.join(parts)}</div>" if parts else ""


def _alert(alert: AlertView, now: float, api: str) -> str:
    severity = alert.severity or "no severity"
    sev_class = (
        alert.severity.lower()
        if alert.severity.lower() in ("critical", "warning", "info")
        else "none"
    )
    since_words = "pending since" if alert.state == "pending" else "firing since"
    remaining = (
        f"<div>fires in {e(duration(alert.for_remaining))} if it persists</div>"
        if alert.for_remaining is not None
        else ""
    )
    delivery = alert.delivery
    path = (
        f'<div><span class="badge b-{e(delivery.path)}">{e(_PATH_WORDS[delivery.path])}</span>'
        f" {e(delivery.detail)}"
        f"{' · ' + when_html(delivery.at, now) if delivery.at is not None else ''}</div>"
    )
    twin = query_url(f"{api}/alerts", fingerprint=alert.fingerprint)
    return (
        f'<li class="row alert" data-state="{e(alert.state)}" data-alertname="{e(alert.name)}"'
        f' data-severity="{e(alert.severity)}" data-path="{e(delivery.path)}">'
        f'<div><span class="badge b-{e(alert.state)}"><span aria-hidden="true">'
        f"{_STATE_ICON[alert.state]}</span> {e(alert.state)}</span>"
        f' <span class="badge b-{e(sev_class)}">{e(severity)}</span>'
        f"<div><b>{e(alert.name)}</b> {api_link(twin, 'alert ' + alert.name)}</div>"
        f"{_labels(alert)}</div>"
        f"<div>{e(alert.summary) or '<span class=muted>no summary</span>'}{_marks(alert)}</div>"
        f"<div>{since_words} {when_html(alert.since, now)}{remaining}{path}</div></li>"
    )


def alerts_section(alerts: list[AlertView], now: float, api: str, marks_known: bool) -> str:
    """The section, or a plain "nothing firing or pending"."""
    head = f'<h2 id="alerts-h">Alerts {api_link(f"{api}/alerts", "the alerts")}</h2>'
    note = (
        ""
        if marks_known
        else '<p class="muted">Silences and inhibition: not configured on this daemon.</p>'
    )
    if not alerts:
        body = '<p class="empty">✔ Nothing firing or pending.</p>'
    else:
        body = '<ul class="rows">' + "".join(_alert(a, now, api) for a in alerts) + "</ul>"
    rules = link("/api/v1/rules", "rules (Prometheus API)")
    return (
        f'<section id="alerts" aria-labelledby="alerts-h">{head}{body}{note}'
        f'<p class="muted">{rules}</p></section>'
    )
