"""The delivery section: how alerts leave this daemon right now."""

from __future__ import annotations

from watchdog.page.html import api_link, e
from watchdog.page.times import duration, when_html
from watchdog.status.views import DeliveryView, FallbackView

__all__ = ["delivery_section"]


def _badge(ok: bool, good: str, bad: str) -> str:
    if ok:
        return f'<span class="badge b-ok"><span aria-hidden="true">✔</span> {e(good)}</span>'
    return f'<span class="badge b-failed"><span aria-hidden="true">✖</span> {e(bad)}</span>'


def _path(fallback: FallbackView, now: float) -> str:
    if not fallback.alertmanagers_configured:
        if fallback.emergency_configured:
            return "<p>No Alertmanager configured: the emergency receivers get every alert.</p>"
        return '<p class="err">No receiver configured: alerts reach nobody.</p>'
    if not fallback.active:
        return f"<p>{_badge(True, 'via Alertmanager', '')} alerts go to every replica.</p>"
    since = f" since {when_html(fallback.since, now)}" if fallback.since is not None else ""
    to = "the emergency receivers" if fallback.emergency_configured else "nobody (none configured)"
    return (
        f'<p id="fallback" data-active="true">{_badge(False, "", "FALLBACK ACTIVE")}'
        f" alerts go to {e(to)}{since}; {fallback.delivered} delivered that way."
        f'<br><span class="err">{e(fallback.reason or "")}</span></p>'
    )


def _replicas(view: DeliveryView, now: float) -> str:
    if not view.replicas:
        return ""
    rows = "".join(
        f'<tr data-replica-available="{str(r.available).lower()}"><td><code>{e(r.name)}</code></td>'
        f"<td>{_badge(r.available, 'accepting', 'failed')}"
        f"{f'<div class=err>{e(r.failure)}</div>' if r.failure else ''}</td>"
        f"<td>{when_html(r.last_accepted, now)}</td><td>{r.queue}</td></tr>"
        for r in view.replicas
    )
    return (
        "<h3>Alertmanager replicas</h3><div class=scroll><table><thead><tr><th>replica</th>"
        "<th>state</th><th>last accepted</th><th>queue</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def _receivers(view: DeliveryView, now: float) -> str:
    if not view.receivers:
        return '<h3>Emergency receivers</h3><p class="muted">Not configured.</p>'
    rows = "".join(
        f"<tr><td>{e(r.name)} <span class=muted>{e(r.kind)}</span></td>"
        f"<td>{when_html(r.last_success, now, never='none since start')}</td>"
        f"<td>{when_html(r.last_failure, now, never='none since start')}"
        f"{f'<div class=err>{e(r.last_error)}</div>' if r.last_error else ''}</td></tr>"
        for r in view.receivers
    )
    return (
        "<h3>Emergency receivers</h3><div class=scroll><table><thead><tr><th>receiver</th>"
        f"<th>last success</th><th>last failure</th></tr></thead><tbody>{rows}</tbody></table>"
        "</div>"
    )


def _others(view: DeliveryView, now: float) -> str:
    outbox = view.outbox
    oldest = f", oldest written {when_html(outbox.oldest, now)}" if outbox.oldest else ""
    beat_out = view.heartbeat_out
    out_text = (
        f"{e(beat_out.state)}, last ping accepted {when_html(beat_out.last_success, now)}"
        f" (every {e(duration(beat_out.interval or 0))})"
        if beat_out.configured
        else '<span class="muted">not configured</span>'
    )
    beat_in = view.heartbeat_in
    in_text = (
        f"{_badge(not beat_in.overdue, 'arriving', 'OVERDUE')} last received"
        f" {when_html(beat_in.last_received, now, never='never since start')}"
        f" (window {e(duration(beat_in.window or 0))})"
        if beat_in.configured
        else '<span class="muted">not configured</span>'
    )
    journal = view.journal
    problem = f'<div class="err">{e(journal.problem)}</div>' if journal.problem else ""
    return (
        "<div class=scroll><table><tbody>"
        f"<tr><th>outbox</th><td>{outbox.depth} waiting{oldest}</td></tr>"
        f"<tr><th>heartbeat out</th><td>{out_text}</td></tr>"
        f"<tr><th>heartbeat in</th><td>{in_text}</td></tr>"
        f"<tr><th>journal</th><td>{journal.entries} entries, head <code>{e(journal.head[:16])}"
        f"</code>; verified {_badge(journal.outcome == 'intact', journal.outcome, journal.outcome)}"
        f" at <code>{e(journal.anchor)}</code> {when_html(journal.verified_at, now)}{problem}"
        f" {api_link('/api/v1/journal/head', 'the journal head')}</td></tr>"
        "</tbody></table></div>"
    )


def delivery_section(view: DeliveryView, now: float, api: str) -> str:
    """The section."""
    head = f'<h2 id="delivery-h">Delivery {api_link(f"{api}/delivery", "delivery")}</h2>'
    return (
        f'<section id="delivery" aria-labelledby="delivery-h">{head}{_path(view.fallback, now)}'
        f"{_replicas(view, now)}{_receivers(view, now)}{_others(view, now)}</section>"
    )
