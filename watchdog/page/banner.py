"""The verdict banner at the top of the page."""

from __future__ import annotations

from watchdog.page.html import api_link, e
from watchdog.status.views import Verdict

__all__ = ["LEVEL_ICON", "banner"]

LEVEL_ICON = {"ok": "✔", "firing": "✖", "degraded": "▲", "unhealthy": "✖"}
_LEVEL_WORDS = {
    "ok": "all good",
    "firing": "alerts firing",
    "degraded": "delivery degraded",
    "unhealthy": "watchdog unhealthy",
}


def banner(verdict: Verdict, api: str) -> str:
    """The banner: icon, headline, the reasons, and the counts."""
    icon = LEVEL_ICON[verdict.level]
    reasons = "".join(f"<li>{e(r)}</li>" for r in verdict.reasons)
    counts = (
        f"{verdict.firing} firing, {verdict.pending} pending;"
        f" {verdict.targets_up} of {verdict.targets_total} targets up"
    )
    return (
        f'<section id="verdict" class="banner l-{e(verdict.level)}" role="status"'
        f' data-level="{e(verdict.level)}" aria-label="verdict: {e(_LEVEL_WORDS[verdict.level])}">'
        f'<strong><span aria-hidden="true">{icon}</span> {e(verdict.headline)}</strong>'
        f"{f'<ul>{reasons}</ul>' if reasons else ''}"
        f"<div>{e(counts)} {api_link(api, 'the verdict')}</div></section>"
    )
