"""The whole page: head, banner, sections in the order an on-call reads them, and ``GET /``."""

from __future__ import annotations

from aiohttp import web

from watchdog import __version__
from watchdog.page.alerts import alerts_section
from watchdog.page.assets import CSP, SCRIPT, STYLE
from watchdog.page.banner import LEVEL_ICON, banner
from watchdog.page.components import components_section
from watchdog.page.delivery import delivery_section
from watchdog.page.drills import drills_section, peers_section
from watchdog.page.html import api_link, e, link
from watchdog.page.times import when_html
from watchdog.status.api import STATUS_API
from watchdog.status.build import build_status
from watchdog.status.sources import StatusSources
from watchdog.status.views import StatusView

__all__ = ["render_page", "status_page_routes"]

MIN_REFRESH = 2.0
MAX_REFRESH = 300.0


def render_page(
    view: StatusView,
    *,
    name: str,
    refresh: float,
    marks_known: bool,
) -> str:
    """The HTML document for ``view`` (``refresh`` seconds between updates; 0: none)."""
    now = view.generated_at.ts
    api = STATUS_API
    job_query = f"?job={e(view.job)}" if view.job else ""
    title = f"{LEVEL_ICON[view.verdict.level]} {view.verdict.headline} — {name}"
    nav = " ".join(
        link(href, text)
        for href, text in (
            ("#alerts", f"Alerts ({len(view.alerts)})"),
            ("#components", "Components"),
            ("#delivery", "Delivery"),
            ("#peers", "HA peers"),
            ("#drills", "Drills"),
        )
    )
    page = (
        f'<div id="page"><header><h1>monitor-watchdog · {e(name)}'
        f' <span class="muted">v{e(__version__)}</span></h1>'
        f"<div class=muted>as of {when_html(view.generated_at, now)}"
        f"{f' · refreshes every {refresh:g} s' if refresh else ''}"
        f" · {api_link(f'{api}/page{job_query}', 'this page')}</div></header>"
        f"{banner(view.verdict, f'{api}/verdict')}<nav aria-label=sections>{nav}</nav><main>"
        f"{alerts_section(view.alerts, now, api, marks_known)}"
        f"{components_section(view.groups, now, api, view.job)}"
        f"{delivery_section(view.delivery, now, api)}"
        f"{peers_section(view.peers, now, api)}"
        f"{drills_section(view.drills, now, api)}</main></div>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="color-scheme" content="light dark"><title>{e(title)}</title>'
        f"<style>{STYLE}</style></head>"
        f'<body data-refresh="{refresh:g}"><div id="stale" role="alert" hidden></div>{page}'
        f"<script>{SCRIPT}</script></body></html>"
    )


def _refresh(request: web.Request, default: float) -> float:
    raw = request.query.get("refresh")
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        value = default
    if value <= 0 or value != value:  # 0 (or nonsense) turns refreshing off
        return 0.0
    return min(max(value, MIN_REFRESH), MAX_REFRESH)


def status_page_routes(sources: StatusSources) -> list[web.RouteDef]:
    """``GET /``: the page (``?job=NAME`` for one job's targets, ``?refresh=SECONDS``)."""

    async def page(request: web.Request) -> web.Response:
        view = await build_status(sources, job=request.query.get("job") or None)
        labels = sources.config().external_labels
        name = ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "this host"
        body = render_page(
            view,
            name=name,
            refresh=_refresh(request, sources.refresh_seconds),
            marks_known=sources.alert_marks is not None,
        )
        return web.Response(
            text=body,
            content_type="text/html",
            charset="utf-8",
            headers={
                "Content-Security-Policy": CSP,
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    return [web.get("/", page)]
