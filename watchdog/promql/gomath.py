"""Go's float, integer-conversion, formatting and calendar behaviour, where Python's differs.

PromQL is implemented in Go; Python raises where Go returns ``Inf``/``NaN`` (division by zero,
``fmod`` by zero, ``pow`` overflow), prints floats differently, and cannot represent the dates Go
computes for out-of-range timestamps. These helpers reproduce Go's results so the evaluator
returns what Prometheus returns.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date
from decimal import Decimal
from typing import NamedTuple

__all__ = [
    "CivilTime",
    "civil_time",
    "div",
    "format_float",
    "go_max",
    "go_min",
    "kahan_add",
    "mod",
    "parse_float",
    "pow_",
    "to_int64",
]

_INT64_MIN = -(2**63)
_UINT64 = 2**64
# Seconds from 1970-01-01 to Go's "absolute" epoch (1 Jan of year -292277022399, a Monday).
_UNIX_TO_ABSOLUTE = 62135596800 + 730692556 * 146097 * 86400
_DAYS_PER_400_YEARS = 146097
_ABSOLUTE_DAY_TO_ORDINAL = -730692556 * _DAYS_PER_400_YEARS  # day 0 == 0001-01-01 (mod 400 y)


def div(a: float, b: float) -> float:
    """``a / b`` with IEEE results for a zero divisor."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def mod(a: float, b: float) -> float:
    """Go's ``math.Mod``: the remainder takes the sign of ``a``."""
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


def pow_(a: float, b: float) -> float:
    """Go's ``math.Pow``: overflow gives ``±Inf``, a negative base with a fraction ``NaN``."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0 and _odd_integer(b) else math.inf
    except ValueError:
        if a == 0:
            return math.copysign(math.inf, a) if _odd_integer(b) else math.inf
        return math.nan


def go_max(a: float, b: float) -> float:
    """Go's ``math.Max``: ``+Inf`` wins over ``NaN``, ``NaN`` over numbers, +0 over -0."""
    if a == math.inf or b == math.inf:
        return math.inf
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == 0 and b == 0:
        return a if math.copysign(1.0, a) > 0 else b
    return a if a > b else b


def go_min(a: float, b: float) -> float:
    """Go's ``math.Min``: ``-Inf`` wins over ``NaN``, ``NaN`` over numbers, -0 over +0."""
    if a == -math.inf or b == -math.inf:
        return -math.inf
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == 0 and b == 0:
        return a if math.copysign(1.0, a) < 0 else b
    return a if a < b else b


def kahan_add(inc: float, total: float, compensation: float) -> tuple[float, float]:
    """One step of Neumaier-Kahan summation: returns the new (sum, compensation).

    Once the sum is infinite the compensation turns NaN; callers return the bare sum then, as
    Prometheus does.
    """
    new_total = total + inc
    if abs(total) >= abs(inc):
        compensation += (total - new_total) + inc
    else:
        compensation += (inc - new_total) + total
    return new_total, compensation


def to_int64(value: float) -> int:
    """Go's ``int64(f)`` on amd64: truncation; NaN and out-of-range give the minimum int64."""
    if math.isnan(value) or not -(2.0**63) <= value < 2.0**63:
        return _INT64_MIN
    return int(value)


def format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SPECIAL = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+")


def parse_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat(s, 64)``; ``None`` where Go returns an error."""
    if _SPECIAL.fullmatch(text):
        return float(text)
    if _DECIMAL.fullmatch(text):
        value = float(text)
    elif _HEX.fullmatch(text):
        value = float.fromhex(text)
    else:
        return None
    return None if math.isinf(value) else value  # out of range is an error in Go


class CivilTime(NamedTuple):
    """The UTC calendar fields Go's ``time`` package derives from a Unix timestamp."""

    year: int
    month: int
    day: int
    day_of_year: int
    days_in_month: int
    weekday: int  # Sunday == 0
    hour: int
    minute: int


def civil_time(unix_seconds: float) -> CivilTime:
    """``time.Unix(int64(v), 0).UTC()`` field by field, including Go's int64 wrap-around."""
    absolute = (to_int64(unix_seconds) + _UNIX_TO_ABSOLUTE) % _UINT64
    cycles, day_in_cycle = divmod(absolute // 86400 + _ABSOLUTE_DAY_TO_ORDINAL, _DAYS_PER_400_YEARS)
    day = date.fromordinal(day_in_cycle + 1)  # calendars repeat every 400 years
    return CivilTime(
        year=day.year + 400 * cycles,
        month=day.month,
        day=day.day,
        day_of_year=day.timetuple().tm_yday,
        days_in_month=calendar.monthrange(day.year, day.month)[1],
        weekday=((absolute + 86400) % _UINT64 % (7 * 86400)) // 86400,
        hour=(absolute % 86400) // 3600,
        minute=(absolute % 3600) // 60,
    )
