"""Prometheus' number formatting functions: ``humanize`` and friends, byte for byte.

Out-of-range input behaves as in Prometheus 2.42 on amd64: ``humanizeDuration`` of a value
beyond int64 prints Go's wrapped minimum int64, ``humanizeTimestamp`` of one refuses with
Prometheus' own error text (the alert still fires, with that text in the annotation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from watchdog.rules.templates.gofmt import go_sprintf, shortest_float
from watchdog.rules.templates.values import FuncError, go_int64, to_float

__all__ = [
    "humanize",
    "humanize1024",
    "humanize_duration",
    "humanize_percentage",
    "humanize_timestamp",
]


def _g4(value: float, suffix: str = "") -> str:
    return go_sprintf("%.4g", [value]) + suffix


def _scaled(value: float, prefixes: Sequence[str], base: float, upward: bool) -> str:
    prefix = ""
    for candidate in prefixes:
        if (abs(value) < base) if upward else (abs(value) >= 1):
            break
        prefix = candidate
        value = value / base if upward else value * base
    return _g4(value, prefix)


_BIG = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_SMALL = ("m", "u", "n", "p", "f", "a", "z", "y")


def humanize(arg: Any) -> str:
    """SI prefixes, 4 significant digits: ``1234567`` → ``1.235M``."""
    v = to_float(arg)
    if v == 0 or math.isnan(v) or math.isinf(v):
        return _g4(v)
    if abs(v) >= 1:
        return _scaled(v, _BIG, 1000.0, upward=True)
    return _scaled(v, _SMALL, 1000.0, upward=False)


def humanize1024(arg: Any) -> str:
    """Binary prefixes: ``2048`` → ``2ki``."""
    v = to_float(arg)
    if abs(v) <= 1 or math.isnan(v) or math.isinf(v):
        return _g4(v)
    return _scaled(v, ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"), 1024.0, upward=True)


def _go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    quotient = abs(a) // b
    return quotient if a >= 0 else -quotient


def _go_mod(a: int, b: int) -> int:
    """Go's ``%`` (the sign follows the dividend)."""
    return a - _go_div(a, b) * b


def humanize_duration(arg: Any) -> str:
    """Seconds as ``1d 2h 3m 4s``; below one second with SI prefixes (``12ms``)."""
    v = to_float(arg)
    if math.isnan(v) or math.isinf(v):
        return _g4(v)
    if v == 0:
        return _g4(v, "s")
    if abs(v) >= 1:
        sign = "-" if v < 0 else ""
        v = abs(v)
        whole = go_int64(v)
        seconds, minutes = _go_mod(whole, 60), _go_mod(_go_div(whole, 60), 60)
        hours, days = _go_mod(_go_div(whole, 3600), 24), _go_div(whole, 86400)
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{_g4(v)}s"
    return _scaled(v, _SMALL, 1000.0, upward=False) + "s"


def humanize_percentage(arg: Any) -> str:
    """A ratio as a percentage: ``0.1234`` → ``12.34%``."""
    return _g4(to_float(arg) * 100, "%")


_INT64 = float(2**63)


def humanize_timestamp(arg: Any) -> str:
    """Unix seconds as Go prints a UTC ``time.Time`` (millisecond precision, like Prometheus)."""
    v = to_float(arg)
    if math.isnan(v) or math.isinf(v):
        return _g4(v)
    nanos = v * 1e9
    if nanos > _INT64 or nanos < -_INT64:
        raise FuncError(
            f"{shortest_float(v)} cannot be represented as a nanoseconds timestamp "
            "since it overflows int64"
        )
    whole = go_int64(nanos)  # Go: int64(v*1e9), then integer division to milliseconds
    millis = _go_div(whole, 1_000_000)
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)  # 1677..2262
    frac = f".{moment.microsecond // 1000:03d}".rstrip("0").rstrip(".")
    return moment.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC"
