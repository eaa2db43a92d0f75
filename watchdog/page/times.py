"""Times as people read them during an incident: relative ("3 min ago") and absolute UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from watchdog.api.common import rfc3339
from watchdog.page.html import e
from watchdog.status.views import When

__all__ = ["absolute", "duration", "relative", "when_html"]


def duration(seconds: float) -> str:
    """``45 s``, ``3 min 20 s``, ``2 h 5 min``, ``4 d 3 h``; below a second in ms."""
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.1f}".removesuffix(".0") + " s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs and minutes < 10 else f"{minutes} min"
    return f"{secs} s"


def relative(ts: float, now: float) -> str:
    """``just now``, ``3 min ago``, ``in 2 min``."""
    delta = now - ts
    if abs(delta) < 1:
        return "just now"
    return f"{duration(delta)} ago" if delta > 0 else f"in {duration(-delta)}"


def absolute(ts: float, now: float) -> str:
    """``12:04:05 UTC`` today (in UTC), else ``2026-05-01 12:04 UTC``."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    if moment.date() == datetime.fromtimestamp(now, tz=UTC).date():
        return moment.strftime("%H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def when_html(when: When | None, now: float, *, never: str = "never") -> str:
    """Both forms, in a ``<time>`` element carrying the RFC 3339 value."""
    if when is None:
        return f'<span class="never">{e(never)}</span>'
    return (
        f'<time datetime="{e(rfc3339(when.ts))}">{e(relative(when.ts, now))}'
        f' <span class="abs">{e(absolute(when.ts, now))}</span></time>'
    )
