"""Template functions: Go's built-ins and Prometheus' additions (``humanize`` & co).

Every function is pure: no file, network or process access. ``query`` reaches the sample store
only through the callback the caller provides.
"""

from __future__ import annotations

import html
import math
import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from watchdog.durations import DurationError, parse_duration
from watchdog.rules.templates.gofmt import go_sprint, go_sprintf, go_type, go_value
from watchdog.userregex import Regex, RegexError, compile_regex

__all__ = ["FUNCTIONS", "FuncError", "Function", "QuerySample", "go_truth"]


class FuncError(Exception):
    """A function refused its arguments; becomes ``error calling NAME: message``."""


@dataclass(frozen=True)
class Function:
    """A callable with its accepted argument counts (``max_args`` None: variadic)."""

    call: Callable[..., Any]
    min_args: int
    max_args: int | None


@dataclass(frozen=True)
class QuerySample:
    """One element of a ``query`` result, as Prometheus templates see it."""

    Labels: dict[str, str]
    Value: float

    go_type_name = "*template.sample"

    def go_field(self, name: str) -> Any:
        """Field access for ``.Labels`` / ``.Value``."""
        if name == "Labels":
            return self.Labels
        if name == "Value":
            return self.Value
        raise FuncError(f"can't evaluate field {name} in type {self.go_type_name}")

    def go_fields(self) -> list[Any]:
        """Fields in declaration order, for printing."""
        return [self.Labels, self.Value]


def go_truth(value: Any) -> bool:
    """Go template truthiness: false, 0, nil and empty strings, maps and slices are false."""
    if value is None:
        return False
    if isinstance(value, bool | int | float):
        return bool(value)
    if isinstance(value, str | dict | list | tuple):
        return len(value) > 0
    return True


_GO_FLOAT = re.compile(r"^[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$", re.I)


def to_float(value: Any) -> float:
    """Prometheus' ``convertToFloat``: float64, int or a numeric string."""
    if isinstance(value, bool):
        raise FuncError(f"can't convert {go_type(value)} to float")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if not _GO_FLOAT.match(value):
            raise FuncError(f'strconv.ParseFloat: parsing "{value}": invalid syntax')
        return float(value)
    raise FuncError(f"can't convert {go_type(value)} to float")


def _want_str(value: Any) -> str:
    if not isinstance(value, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type(value)}")
    return value


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
        whole = int(v)
        seconds, minutes = whole % 60, (whole // 60) % 60
        hours, days = (whole // 3600) % 24, whole // 86400
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


def humanize_timestamp(arg: Any) -> str:
    """Unix seconds as Go prints a UTC ``time.Time`` (millisecond precision, like Prometheus)."""
    v = to_float(arg)
    if math.isnan(v) or math.isinf(v):
        return _g4(v)
    nanos = int(v * 1e9)  # Go: int64(v*1e9), then integer division to milliseconds
    millis = abs(nanos) // 1_000_000 * (1 if nanos >= 0 else -1)
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    frac = f".{moment.microsecond // 1000:03d}".rstrip("0").rstrip(".")
    return moment.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC"


def title(arg: Any) -> str:
    """Go's ``strings.Title``: upper-case the first letter of every word."""
    text = _want_str(arg)
    out: list[str] = []
    prev = " "
    for char in text:
        out.append(char.upper() if _is_separator(prev) else char)
        prev = char
    return "".join(out)


def _is_separator(char: str) -> bool:
    if char.isascii():
        return not (char.isalnum() or char == "_")
    if char.isalpha() or char.isdigit():
        return False
    return char.isspace()


def _compile(pattern: Any) -> Regex:
    try:
        return compile_regex(_want_str(pattern))
    except RegexError as exc:
        raise FuncError(f"error parsing regexp: {exc}") from None


def re_replace_all(pattern: Any, replacement: Any, text: Any) -> str:
    """Go ``regexp.ReplaceAllString`` (``$1`` references), RE2 in linear time."""
    return _compile(pattern).replace_all(_want_str(text), _want_str(replacement))


def match(pattern: Any, text: Any) -> bool:
    """Unanchored regex search, like Go's ``regexp.MatchString``, RE2 in linear time."""
    return _compile(pattern).matches(_want_str(text))


def strip_port(arg: Any) -> str:
    """``host:port`` → ``host`` (``[v6]:port`` → ``v6``); anything else unchanged."""
    text = _want_str(arg)
    found = re.match(r"^\[([^\]]*)\]:\d*$", text) or re.match(r"^([^:\[\]]*):\d*$", text)
    return found.group(1) if found else text


def parse_duration_seconds(arg: Any) -> float:
    """A Prometheus duration string as float seconds."""
    try:
        return parse_duration(_want_str(arg))
    except DurationError as exc:
        raise FuncError(str(exc)) from None


def _first(values: Any) -> Any:
    if not isinstance(values, list) or not values:
        raise FuncError("first() called on vector with no elements")
    return values[0]


def _label(name: Any, sample: Any) -> str:
    if not isinstance(sample, QuerySample):
        raise FuncError(f"wrong type for value; expected *template.sample; got {go_type(sample)}")
    return sample.Labels.get(_want_str(name), "")


def _value(sample: Any) -> float:
    if not isinstance(sample, QuerySample):
        raise FuncError(f"wrong type for value; expected *template.sample; got {go_type(sample)}")
    return sample.Value


def _sort_by_label(name: Any, values: Any) -> list[Any]:
    key = _want_str(name)
    if not isinstance(values, list):
        raise FuncError(f"wrong type for value; expected queryResult; got {go_type(values)}")
    return sorted(values, key=lambda s: s.Labels.get(key, "") if isinstance(s, QuerySample) else "")


def _len(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, dict | list | tuple):
        return len(value)
    raise FuncError(f"len of type {go_type(value)}")


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(item, dict):
            if not isinstance(key, str):
                raise FuncError(f"value has type {go_type(key)}; should be string")
            item = item.get(key, "")
        elif isinstance(item, list | tuple | str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise FuncError(f"cannot index slice/array with type {go_type(key)}")
            if not 0 <= key < len(item):
                raise FuncError(f"index out of range: {key}")
            item = item[key] if not isinstance(item, str) else item.encode()[key]
        elif item is None:
            raise FuncError("index of untyped nil")
        else:
            raise FuncError(f"can't index item of type {go_type(item)}")
    return item


_BASIC = {bool: "bool", int: "int", float: "float", str: "string"}


def _kind(value: Any) -> str | None:
    return _BASIC.get(type(value))


def _eq(first: Any, *others: Any) -> bool:
    if not others:
        raise FuncError("missing argument for comparison")
    for other in others:
        k1, k2 = _kind(first), _kind(other)
        if k1 != k2:
            if first is not None and other is not None:
                raise FuncError("incompatible types for comparison")
        elif k1 is None and (isinstance(first, dict | list) or isinstance(other, dict | list)):
            raise FuncError(f"non-comparable type {go_value(other)}: {go_type(other)}")
        if first == other and type(first) is type(other):
            return True
    return False


def _ordered(first: Any, second: Any) -> tuple[Any, Any]:
    k1, k2 = _kind(first), _kind(second)
    if k1 is None or k1 == "bool" or k2 is None or k2 == "bool":
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        raise FuncError("incompatible types for comparison")
    return first, second


def _lt(a: Any, b: Any) -> bool:
    x, y = _ordered(a, b)
    return bool(x < y)


def _le(a: Any, b: Any) -> bool:
    x, y = _ordered(a, b)
    return bool(x <= y)


def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(go_sprint(args))


def _args(*args: Any) -> dict[str, Any]:
    return {f"arg{i}": value for i, value in enumerate(args)}


def _printf(fmt: Any, *args: Any) -> str:
    return go_sprintf(_want_str(fmt), args)


def _link(tab: int) -> Callable[[Any], str]:
    def link(expr: Any) -> str:
        escaped = urllib.parse.quote_plus(_want_str(expr))
        return f"/graph?g0.expr={escaped}&g0.tab={tab}"

    return link


FUNCTIONS: dict[str, Function] = {
    # Go text/template built-ins ("and"/"or" are evaluated lazily by the executor).
    "and": Function(lambda *a: a[-1], 1, None),
    "or": Function(lambda *a: a[-1], 1, None),
    "not": Function(lambda v: not go_truth(v), 1, 1),
    "len": Function(_len, 1, 1),
    "index": Function(_index, 1, None),
    "print": Function(lambda *a: go_sprint(a), 0, None),
    "println": Function(lambda *a: go_sprint(a, spaces=True) + "\n", 0, None),
    "printf": Function(_printf, 1, None),
    "eq": Function(_eq, 1, None),
    "ne": Function(lambda a, b: not _eq(a, b), 2, 2),
    "lt": Function(_lt, 2, 2),
    "le": Function(_le, 2, 2),
    "gt": Function(lambda a, b: not _le(a, b), 2, 2),
    "ge": Function(lambda a, b: not _lt(a, b), 2, 2),
    "html": Function(lambda *a: html.escape(go_sprint(a)), 0, None),
    "urlquery": Function(_urlquery, 0, None),
    # Prometheus additions.
    "humanize": Function(humanize, 1, 1),
    "humanize1024": Function(humanize1024, 1, 1),
    "humanizeDuration": Function(humanize_duration, 1, 1),
    "humanizePercentage": Function(humanize_percentage, 1, 1),
    "humanizeTimestamp": Function(humanize_timestamp, 1, 1),
    "toUpper": Function(lambda s: _want_str(s).upper(), 1, 1),
    "toLower": Function(lambda s: _want_str(s).lower(), 1, 1),
    "title": Function(title, 1, 1),
    "reReplaceAll": Function(re_replace_all, 3, 3),
    "match": Function(match, 2, 2),
    "safeHtml": Function(_want_str, 1, 1),
    "stripPort": Function(strip_port, 1, 1),
    "parseDuration": Function(parse_duration_seconds, 1, 1),
    "args": Function(_args, 0, None),
    "first": Function(_first, 1, 1),
    "label": Function(_label, 2, 2),
    "value": Function(_value, 1, 1),
    "strvalue": Function(lambda s: _label("__value__", s), 1, 1),
    "sortByLabel": Function(_sort_by_label, 2, 2),
    "graphLink": Function(_link(0), 1, 1),
    "tableLink": Function(_link(1), 1, 1),
}
"""Functions every template may call; ``query``, ``externalURL`` and ``pathPrefix`` are bound
per expansion by the executor."""
