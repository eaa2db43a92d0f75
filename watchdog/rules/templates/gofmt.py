"""Go's ``fmt`` rules for the values a template handles: ``%v`` printing and ``printf``.

Values are Python ``str`` (Go string), ``int`` (int), ``float`` (float64), ``bool``, ``None``
(nil), ``dict`` (map) and ``list`` (slice); objects with a ``go_fields()`` method print as Go
structs. Floats print like ``strconv.FormatFloat(v, 'g', -1, 64)``: shortest round-trip digits,
exponent form when the decimal exponent is below -4 or at least 6 (``1e+06``), as Go does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from watchdog.rules.templates.limits import LimitExceeded
from watchdog.rules.templates.values import go_quote, go_type

__all__ = [
    "go_sprint",
    "go_sprintf",
    "go_value",
    "shortest_e",
    "shortest_fixed",
    "shortest_float",
]

NO_VALUE = "<no value>"


def _digits(value: float) -> tuple[str, str, int]:
    """Sign, shortest round-trip digits and decimal point position of a finite non-zero value."""
    sign, digits_t, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digits_t)
    return ("-" if sign else ""), digits, len(digits) + exponent


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return None


def shortest_e(value: float, letter: str = "e") -> str:
    """``strconv.FormatFloat(v, 'e', -1, 64)`` (``letter`` "E" for the upper-case form)."""
    special = _special(value)
    if special is not None:
        return special
    if value == 0:
        return f"{'-' if math.copysign(1.0, value) < 0 else ''}0{letter}+00"
    neg, digits, point = _digits(value)
    exp = point - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{neg}{mantissa}{letter}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def shortest_float(value: float, exp_threshold: int = 6) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)`` with the given exponent switch point."""
    special = _special(value)
    if special is not None:
        return special
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    exp = _digits(value)[2] - 1
    if exp < -4 or exp >= exp_threshold:
        return shortest_e(value)
    return shortest_fixed(value)


def shortest_fixed(value: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: the shortest digits, never an exponent."""
    special = _special(value)
    if special is not None:
        return special
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    neg, digits, point = _digits(value)
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{neg}{digits}{'0' * (point - len(digits))}"
    return f"{neg}{digits[:point]}.{digits[point:]}"


class _Bounded:
    """Collects text and raises ``LimitExceeded`` as soon as it would pass ``limit``."""

    def __init__(self, limit: int | None) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.limit is not None and self.size > self.limit:
            raise LimitExceeded(
                f"value exceeds the template string limit of {self.limit} characters"
            )
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


def go_value(value: Any, limit: int | None = None) -> str:
    """``fmt.Sprint`` of one value (``%v``); over ``limit`` characters raises."""
    out = _Bounded(limit)
    _print_value(value, out)
    return out.text()


def _print_value(value: Any, out: _Bounded) -> None:
    if value is None:
        out.add(NO_VALUE)
    elif isinstance(value, bool):
        out.add("true" if value else "false")
    elif isinstance(value, float):
        out.add(shortest_float(value))
    elif isinstance(value, int | str):
        out.add(str(value))
    elif isinstance(value, dict):
        out.add("map[")
        for index, key in enumerate(sorted(value)):
            out.add(" " if index else "")
            _print_value(key, out)
            out.add(":")
            _print_value(value[key], out)
        out.add("]")
    elif isinstance(value, list | tuple):
        _print_sequence("[", value, "]", out)
    elif hasattr(value, "go_fields"):
        _print_sequence("{", value.go_fields(), "}", out)
    else:
        out.add(str(value))


def _print_sequence(start: str, items: Any, end: str, out: _Bounded) -> None:
    out.add(start)
    for index, item in enumerate(items):
        out.add(" " if index else "")
        _print_value(item, out)
    out.add(end)


def go_sprint(args: Sequence[Any], *, spaces: bool = False, limit: int | None = None) -> str:
    """``fmt.Sprint`` (spaces between operands when neither is a string) or ``Sprintln``."""
    out = _Bounded(limit)
    for index, arg in enumerate(args):
        if index and (spaces or not (isinstance(arg, str) or isinstance(args[index - 1], str))):
            out.add(" ")
        if arg is None:
            out.add("<nil>")
        else:
            _print_value(arg, out)
    return out.text()


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])")
_NOVERB = "%!(NOVERB)"


def go_sprintf(fmt: str, args: Sequence[Any], limit: int | None = None) -> str:
    """``fmt.Sprintf`` for the verbs templates use: v s d f e g x X o b t q c %.

    Width and precision above ``limit`` (and output beyond it) raise ``LimitExceeded``
    before any text is built; numbers Go's fmt finds too large print ``%!(NOVERB)`` as Go does.
    """
    out = _Bounded(limit)
    pos = 0
    used = 0
    for match in _VERB.finditer(fmt):
        out.add(fmt[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if _go_too_large(width) or _go_too_large(precision):
            out.add(_NOVERB)
            pos = len(fmt)
            break
        if verb == "%":
            out.add("%")
            continue
        if used >= len(args):
            out.add(f"%!{verb}(MISSING)")
            continue
        arg = args[used]
        used += 1
        size = int(width) if width else 0
        prec = None if precision is None else int(precision or 0)
        if limit is not None and max(size, prec or 0) > limit:
            what = "width" if size > (prec or 0) else "precision"
            raise LimitExceeded(
                f"printf {what} {max(size, prec or 0)} exceeds the template string limit "
                f"of {limit} characters"
            )
        out.add(_pad(_format_one(arg, verb, flags, prec, limit), flags, size, arg))
    out.add(fmt[pos:])
    if used < len(args):
        out.add("%!(EXTRA ")
        for index, arg in enumerate(args[used:]):
            out.add(", " if index else "")
            if arg is None:
                out.add("<nil>")
                continue
            out.add(f"{go_type(arg)}=")
            _print_value(arg, out)
        out.add(")")
    return out.text()


def _go_too_large(digits: str | None) -> bool:
    """Go's fmt ``parsenum`` gives up once the number read so far exceeds 1e6."""
    number = 0
    for digit in digits or "":
        if number > 1_000_000:
            return True
        number = number * 10 + int(digit)
    return False


def _format_one(arg: Any, verb: str, flags: str, prec: int | None, limit: int | None) -> str:
    def bad() -> str:
        if arg is None:
            return f"%!{verb}(<nil>)"
        return f"%!{verb}({go_type(arg)}={go_value(arg, limit)})"

    sign = "+" if "+" in flags else (" " if " " in flags else "")
    if verb == "v" or (verb == "s" and not isinstance(arg, int | float | bool)):
        text = go_value(arg, limit) if arg is not None else "<nil>"
        if isinstance(arg, float) and verb == "v":
            text = _float_verb(arg, "g", sign, prec)
        return text[:prec] if prec is not None and isinstance(arg, str) else text
    if verb == "t":
        return ("true" if arg else "false") if isinstance(arg, bool) else bad()
    if verb == "q":
        if isinstance(arg, str):
            return go_quote(arg)
        return bad()
    if isinstance(arg, bool) or arg is None:
        return bad()
    if isinstance(arg, int):
        spec = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b", "c": "c"}.get(verb)
        if spec is None:
            return bad()
        if spec == "c":  # Go writes U+FFFD for what is not a valid rune
            valid = 0 <= arg <= 0x10FFFF and not 0xD800 <= arg <= 0xDFFF
            return chr(arg) if valid else "\ufffd"
        return format(arg, sign + spec)
    if isinstance(arg, float):
        if verb in "eEfFgG":
            return _float_verb(arg, verb, sign, prec)
        return bad()
    if isinstance(arg, str) and verb in "xX":
        text = arg.encode().hex()
        return text.upper() if verb == "X" else text
    return bad()


def _float_verb(value: float, verb: str, sign: str, prec: int | None) -> str:
    if math.isnan(value):
        return "NaN" if not sign else f"{sign}NaN"
    if math.isinf(value):
        return ("+Inf" if value > 0 else "-Inf") if sign or value < 0 else "+Inf"
    if verb in "gG" and prec is None:
        text = shortest_float(value)
        if sign and not text.startswith("-"):
            text = sign + text
        return text.upper() if verb == "G" else text
    spec = verb.lower() if verb in "fF" else verb
    return format(value, f"{sign}.{6 if prec is None else prec}{spec}")


def _pad(text: str, flags: str, size: int, arg: Any) -> str:
    if len(text) >= size:
        return text
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags and isinstance(arg, int | float) and not isinstance(arg, bool):
        sign = text[0] if text[:1] in "+- " else ""
        return sign + text[len(sign) :].rjust(size - len(sign), "0")
    return text.rjust(size)
