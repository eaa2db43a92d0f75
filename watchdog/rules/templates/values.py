"""The Go values a template handles, and the Go types its error messages name.

Plain Python values stand for Go's: ``str`` string, ``int`` int, ``float`` float64, ``bool``,
``None`` nil, ``dict`` map[string]string. Values whose Go type has another name carry it in
``go_type_name`` (query results, ``args`` maps, ``safeHtml`` strings, the alert data struct).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANY",
    "RESULT",
    "SAMPLE",
    "STRING",
    "VALUE",
    "ArgsMap",
    "FuncError",
    "GoHTML",
    "QueryResult",
    "QuerySample",
    "go_int64",
    "go_quote",
    "go_truth",
    "go_type",
    "to_float",
]

# Parameter types of template functions, spelled as Go prints them.
ANY = "interface {}"
VALUE = "reflect.Value"  # Go's built-ins; accepts anything, like ANY
STRING = "string"
SAMPLE = "*template.sample"
RESULT = "template.queryResult"


class FuncError(Exception):
    """A function refused its arguments; becomes ``error calling NAME: message``."""


@dataclass(frozen=True)
class QuerySample:
    """One element of a ``query`` result, as Prometheus templates see it."""

    Labels: dict[str, str]
    Value: float

    go_type_name = SAMPLE

    def go_field(self, name: str) -> Any:
        """Field access for ``.Labels`` / ``.Value``; anything else is not a field."""
        if name == "Labels":
            return self.Labels
        if name == "Value":
            return self.Value
        raise KeyError(name)

    def go_fields(self) -> list[Any]:
        """Fields in declaration order, for printing."""
        return [self.Labels, self.Value]


class QueryResult(list[QuerySample]):
    """What ``query`` returns (Go's ``queryResult``, a slice of samples)."""

    go_type_name = RESULT


class ArgsMap(dict[str, Any]):
    """What ``args`` returns (Go's ``map[string]interface {}``)."""

    go_type_name = "map[string]interface {}"


class GoHTML(str):
    """What ``safeHtml`` returns: a string of another Go type (``template.HTML``)."""

    __slots__ = ()
    go_type_name = "template.HTML"


def go_type(value: Any) -> str:
    """The Go type name used in error strings (``%!d(float64=1.5)``)."""
    named = getattr(value, "go_type_name", None)
    if named is not None:
        return str(named)
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map[string]string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    return type(value).__name__


def go_truth(value: Any) -> bool:
    """Go template truthiness: false, 0, nil and empty strings, maps and slices are false."""
    if value is None:
        return False
    if isinstance(value, bool | int | float):
        return bool(value)
    if isinstance(value, str | dict | list | tuple):
        return len(value) > 0
    return True


_INT64 = 2**63


def go_int64(value: float) -> int:
    """Go's ``int64(v)`` on amd64: out-of-range values (and NaN) become the minimum int64."""
    if math.isnan(value) or not -_INT64 <= value < _INT64:
        return -_INT64
    return int(value)


_GO_FLOAT = re.compile(r"^[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$", re.I)


def to_float(value: Any) -> float:
    """Prometheus' ``convertToFloat``: float64, int or a numeric string."""
    if isinstance(value, bool):
        raise FuncError(f"can't convert {go_type(value)} to float")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if not _GO_FLOAT.match(value):
            raise FuncError(f"strconv.ParseFloat: parsing {go_quote(value)}: invalid syntax")
        number = float(value)
        if math.isinf(number) and "inf" not in value.lower():
            raise FuncError(f"strconv.ParseFloat: parsing {go_quote(value)}: value out of range")
        return number
    raise FuncError(f"can't convert {go_type(value)} to float")


_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (``%q``): printable runes as is, others escaped."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char.isprintable() or char == " ":
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)
