"""Durations in Prometheus syntax (``1h30m``, ``15s``, ``500ms``) as float seconds."""

from __future__ import annotations

import re

__all__ = ["DurationError", "format_duration", "parse_duration"]

_UNITS: tuple[tuple[str, float], ...] = (
    ("y", 365 * 86400.0),
    ("w", 7 * 86400.0),
    ("d", 86400.0),
    ("h", 3600.0),
    ("m", 60.0),
    ("s", 1.0),
    ("ms", 0.001),
)
_PATTERN = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)


class DurationError(ValueError):
    """A string that is not a Prometheus duration."""


def parse_duration(text: str) -> float:
    """Parse ``text`` into seconds; units must appear largest first, each at most once."""
    if not isinstance(text, str):
        raise DurationError(
            f"expected a duration string such as '15s' or '1m30s', got {type(text).__name__}"
        )
    stripped = text.strip()
    if stripped == "0":
        return 0.0
    match = _PATTERN.match(stripped)
    if not stripped or match is None:
        raise DurationError(
            f"invalid duration {text!r}: use units y, w, d, h, m, s, ms, largest first "
            "(e.g. '15s', '1m30s')"
        )
    return sum(int(g) * factor for g, (_, factor) in zip(match.groups(), _UNITS, strict=False) if g)


def format_duration(seconds: float) -> str:
    """Render seconds the way Prometheus prints durations (``1m30s``, ``0s``)."""
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    sign = "-" if millis < 0 else ""
    millis = abs(millis)
    parts: list[str] = []
    for unit, factor in _UNITS:
        size = round(factor * 1000)
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)
