"""URL and body templates of the generic HTTP backends: ``{name}`` placeholders filled per request.

The time placeholders of a range are ``{start}``/``{end}`` (Unix seconds), ``{start_ms}``/
``{end_ms}``, ``{start_ns}``/``{end_ns}`` and ``{start_rfc3339}``/``{end_rfc3339}``. Values are
URL-encoded in a URL and inserted as they are in a body. Braces that are not a placeholder (a
JSON body's) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

__all__ = ["PLACEHOLDER", "TIME_FIELDS", "fill_template", "placeholders", "time_values"]

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``{name}`` in a template; other braces (a JSON body's) are left alone."""

TIME_FIELDS = frozenset(
    f"{edge}{unit}" for edge in ("start", "end") for unit in ("", "_ms", "_ns", "_rfc3339")
)
"""The placeholders ``time_values`` fills."""


def _rfc3339(seconds: float) -> str:
    text = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def time_values(start: float, end: float) -> dict[str, str]:
    """The value of every time placeholder for the range ``start``..``end`` (seconds)."""
    values: dict[str, str] = {}
    for name, seconds in (("start", start), ("end", end)):
        values[name] = str(int(seconds))
        values[f"{name}_ms"] = str(int(seconds * 1000))
        values[f"{name}_ns"] = str(int(seconds * 1e9))
        values[f"{name}_rfc3339"] = _rfc3339(seconds)
    return values


def placeholders(templates: Iterable[str | None]) -> set[str]:
    """The placeholder names used in ``templates``."""
    return {name for text in templates if text for name in PLACEHOLDER.findall(text)}


def fill_template(template: str, values: dict[str, str], *, url: bool) -> str:
    """Replace the known placeholders (URL-encoding the values when ``url``)."""

    def value(match: re.Match[str]) -> str:
        text = values.get(match.group(1), match.group(0))
        return quote(text, safe="") if url else text

    return PLACEHOLDER.sub(value, template)
