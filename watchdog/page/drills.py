"""The HA peers and drills sections; each says "not configured" when its source is absent."""

from __future__ import annotations

from watchdog.page.html import api_link, e
from watchdog.page.times import when_html
from watchdog.status.views import DrillsView, PeersView

__all__ = ["drills_section", "peers_section"]


def peers_section(peers: PeersView | None, now: float, api: str) -> str:
    """This instance, its position and each peer."""
    head = f'<h2 id="peers-h">HA peers {api_link(f"{api}/peers", "the HA peers")}</h2>'
    if peers is None:
        body = '<p class="muted">Not configured: this daemon runs alone.</p>'
    else:
        rows = "".join(
            f'<tr data-peer-up="{str(p.up).lower()}"><td>{e(p.name)}</td><td>'
            + (
                '<span class="badge b-ok"><span aria-hidden="true">✔</span> up</span>'
                if p.up
                else '<span class="badge b-failed"><span aria-hidden="true">✖</span> down</span>'
            )
            + f" since {when_html(p.since, now, never='start')}"
            + (f"<div class=err>{e(p.error)}</div>" if p.error else "")
            + f"</td><td>{'' if p.clock_skew is None else e(f'{p.clock_skew:+.2f} s')}</td></tr>"
            for p in peers.peers
        )
        body = (
            f"<p>This instance: <b>{e(peers.me)}</b>, position {peers.position}"
            " (0 pages first).</p><div class=scroll><table><thead><tr><th>peer</th>"
            f"<th>state</th><th>clock skew</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    return f'<section id="peers" aria-labelledby="peers-h">{head}{body}</section>'


def drills_section(drills: DrillsView | None, now: float, api: str) -> str:
    """The last drill per stage, with a warning when one is older than a quarter."""
    head = f'<h2 id="drills-h">Drills {api_link(f"{api}/drills", "the drills")}</h2>'
    if drills is None:
        body = '<p class="muted">Not configured: no drill history on this daemon.</p>'
    elif not drills.stages:
        body = (
            '<p><span class="badge b-overdue">▲ no drill yet</span> Run'
            " <code>monitor-watchdog drill</code>: every delivery path is proven only by"
            " using it.</p>"
        )
    else:
        rows = "".join(
            f'<tr data-stage="{e(s.stage)}" data-overdue="{str(s.overdue).lower()}">'
            f"<td>{e(s.stage)}</td><td>"
            + (
                '<span class="badge b-passed"><span aria-hidden="true">✔</span> passed</span>'
                if s.passed
                else '<span class="badge b-failed"><span aria-hidden="true">✖</span> failed</span>'
            )
            + f" {when_html(s.finished_at, now)}"
            + (
                ' <span class="badge b-overdue"><span aria-hidden="true">▲</span>'
                " older than a quarter: drill again</span>"
                if s.overdue
                else ""
            )
            + f"</td><td>{e(s.summary)}<div class=muted>{e(s.report)}</div></td></tr>"
            for s in drills.stages
        )
        body = (
            "<div class=scroll><table><thead><tr><th>stage</th><th>last result</th>"
            f"<th>summary</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    if drills is not None and drills.unreadable:
        body += (
            f'<p class="err">{len(drills.unreadable)} report(s) could not be read: '
            f"{e('; '.join(drills.unreadable[:3]))}</p>"
        )
    return f'<section id="drills" aria-labelledby="drills-h">{head}{body}</section>'
