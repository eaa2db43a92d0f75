"""The subject, plain-text and HTML bodies of an emergency email (pure).

The subject is Alertmanager's default, ``[FIRING:2] <group label values> (<other common
label values>)``, with the groups of a message joined by ``, ``. The bodies list every
alert of every group like Alertmanager's default email: status, summary, description, the
probe's error and key facts, labels, since when (and until when), and the source link.
Everything that comes from alerts is HTML-escaped in the HTML part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from watchdog.alerts import Notification, iso_time
from watchdog.notify.receivers.base import AlertGroup, Message, probe_context

__all__ = ["SUBJECT_LIMIT", "html_body", "subject", "text_body"]

SUBJECT_LIMIT = 200
_HIDDEN_ANNOTATIONS = {"summary", "description", "watchdog_probe_error", "watchdog_probe_facts"}


def subject(message: Message) -> str:
    """``[FIRING:2] VaultSealed vault-0 (critical)`` (``[RESOLVED]`` when nothing fires)."""
    firing = sum(1 for a in message.alerts if a.status == "firing")
    status = f"FIRING:{firing}" if firing else "RESOLVED"
    if message.notice:
        status = "NOTICE"
    parts = [_group_title(g) for g in message.alert_groups()]
    text = f"[{status}] {', '.join(p for p in parts if p)}".strip()
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 1] + "…"


def _group_title(group: AlertGroup) -> str:
    values = " ".join(v for _, v in sorted(group.labels.items()))
    common = _common([a.labels for a in group.alerts])
    rest = " ".join(v for k, v in sorted(common.items()) if k not in group.labels)
    if not values:
        values = ", ".join(sorted({a.alertname for a in group.alerts}))
    return f"{values} ({rest})" if rest else values


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    first, rest = maps[0], maps[1:]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in rest)}


def _intro(message: Message) -> str:
    if message.notice:
        return f"monitor-watchdog: {message.reason}"
    firing = sum(1 for a in message.alerts if a.status == "firing")
    resolved = len(message.alerts) - firing
    counts = ", ".join(
        p
        for p in (f"{firing} firing" if firing else "", f"{resolved} resolved" if resolved else "")
        if p
    )
    return f"{counts}. Delivered by monitor-watchdog's fallback path because {message.reason}."


def _fields(alert: Notification) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key in ("summary", "description"):
        if alert.annotations.get(key):
            rows.append((key.capitalize(), alert.annotations[key]))
    rows.extend(probe_context(alert))
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()) if k != "alertname")
    if labels:
        rows.append(("Labels", labels))
    for key, value in sorted(alert.annotations.items()):
        if key not in _HIDDEN_ANNOTATIONS and not key.startswith("watchdog_"):
            rows.append((key, value))
    rows.append(("Since", iso_time(alert.starts_at)))
    if alert.status == "resolved":
        rows.append(("Resolved at", iso_time(alert.ends_at)))
    if alert.generator_url:
        rows.append(("Source", alert.generator_url))
    return rows


def text_body(message: Message) -> str:
    """The plain-text part."""
    lines = [_intro(message), ""]
    for group in message.alert_groups():
        for alert in group.alerts:
            lines.append(f"[{alert.status.upper()}] {alert.alertname}")
            lines.extend(f"  {name}: {value}" for name, value in _fields(alert))
            lines.append("")
    if message.external_url:
        lines.append(f"monitor-watchdog: {message.external_url}")
    return "\n".join(lines).rstrip() + "\n"


def html_body(message: Message) -> str:
    """The HTML part (inline styles only: mail clients drop style sheets)."""
    out = [
        '<!DOCTYPE html><html><body style="font-family: sans-serif">',
        f"<p>{escape(_intro(message))}</p>",
    ]
    for group in message.alert_groups():
        for alert in group.alerts:
            colour = "#d0021b" if alert.status == "firing" else "#2e7d32"
            out.append(
                f'<h3 style="color: {colour}">[{escape(alert.status.upper())}]'
                f" {escape(alert.alertname)}</h3>"
            )
            out.append('<table style="border-collapse: collapse">')
            for name, value in _fields(alert):
                shown = escape(value)
                if name == "Source" and value.startswith(("http://", "https://")):
                    shown = f'<a href="{escape(value, quote=True)}">{shown}</a>'
                out.append(
                    f'<tr><th style="text-align: left; padding-right: 1em">{escape(name)}</th>'
                    f"<td>{shown}</td></tr>"
                )
            out.append("</table>")
    if message.external_url:
        url = escape(message.external_url, quote=True)
        out.append(f'<p><a href="{url}">monitor-watchdog</a></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
