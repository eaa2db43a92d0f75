"""JSON as Prometheus writes it, so its API clients see the same text, not just the same data.

Prometheus (Go) prints a float64 that holds a whole number without a fraction (``600``, not
``600.0``), escapes ``<``, ``>`` and ``&`` inside strings, writes non-ASCII text as UTF-8, and
uses no spaces. Sample values are strings in ``strconv.FormatFloat(v, 'f', -1, 64)`` form
(``'e'`` below 1e-6 and from 1e21 on), sample timestamps seconds with a three-digit
millisecond fraction when there is one (``1700000000.500``). ``RawJSON`` carries text already
in that form (query results, built point by point).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from watchdog.rules.templates.gofmt import shortest_e, shortest_fixed

__all__ = ["RawJSON", "go_json", "sample_time", "sample_value"]

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class RawJSON(str):
    """Text that is already JSON; ``go_json`` writes it as it is."""

    __slots__ = ()


def go_json(value: Any) -> str:
    """``value`` (dicts, lists, strings, numbers, bools, None, RawJSON) as Go encodes it."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, RawJSON):
        out.append(value)
    elif isinstance(value, str):
        out.append(_string(value))
    elif value is None or isinstance(value, bool | int):
        out.append(json.dumps(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_string(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, Sequence):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    if any(c in encoded for c in _ESCAPES):
        encoded = "".join(_ESCAPES.get(c, c) for c in encoded)
    return encoded


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written as a JSON number")
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def sample_value(value: float) -> str:
    """A sample value as Prometheus' API writes it (inside the quotes)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value != 0 and not 1e-6 <= abs(value) < 1e21:
        return shortest_e(value)
    return shortest_fixed(value)


def sample_time(seconds: float) -> str:
    """A sample timestamp: whole seconds, then ``.mmm`` when the milliseconds are not zero."""
    millis = round(seconds * 1000)
    sign = "-" if millis < 0 else ""
    whole, fraction = divmod(abs(millis), 1000)
    return f"{sign}{whole}.{fraction:03d}" if fraction else f"{sign}{whole}"
