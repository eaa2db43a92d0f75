"""Go's ``fmt`` rules for the values a template handles: ``%v`` printing and ``printf``.

Values are Python ``str`` (Go string), ``int`` (int), ``float`` (float64), ``bool``, ``None``
(nil), ``dict`` (map) and ``list`` (slice); objects with a ``go_fields()`` method print as Go
structs. Floats print like ``strconv.FormatFloat(v, 'g', -1, 64)``: shortest round-trip digits,
exponent form when the decimal exponent is below -4 or at least 6 (``1e+06``), as Go does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

__all__ = ["go_sprint", "go_sprintf", "go_type", "go_value", "shortest_e", "shortest_float"]

NO_VALUE = "<no value>"


def go_type(value: Any) -> str:
    """The Go type name used in fmt's error strings (``%!d(float64=1.5)``)."""
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
    return getattr(value, "go_type_name", type(value).__name__)


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
    neg, digits, point = _digits(value)
    exp = point - 1
    if exp < -4 or exp >= exp_threshold:
        return shortest_e(value)
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{neg}{digits}{'0' * (point - len(digits))}"
    return f"{neg}{digits[:point]}.{digits[point:]}"


def go_value(value: Any) -> str:
    """``fmt.Sprint`` of one value (``%v``)."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return shortest_float(value)
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, dict):
        inner = " ".join(f"{go_value(k)}:{go_value(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    fields = getattr(value, "go_fields", None)
    if fields is not None:
        return "{" + " ".join(go_value(v) for v in fields()) + "}"
    return str(value)


def go_sprint(args: Sequence[Any], *, spaces: bool = False) -> str:
    """``fmt.Sprint`` (spaces between operands when neither is a string) or ``Sprintln``."""
    out: list[str] = []
    for index, arg in enumerate(args):
        if index and (spaces or not (isinstance(arg, str) or isinstance(args[index - 1], str))):
            out.append(" ")
        out.append(go_value(arg) if arg is not None else "<nil>")
    return "".join(out)


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])")


def go_sprintf(fmt: str, args: Sequence[Any]) -> str:
    """``fmt.Sprintf`` for the verbs templates use: v s d f e g x X o b t q c %."""
    out: list[str] = []
    pos = 0
    used = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[used]
        used += 1
        prec = None if precision is None else int(precision or 0)
        out.append(_pad(_format_one(arg, verb, flags, prec), flags, width, arg))
    out.append(fmt[pos:])
    if used < len(args):
        extra = ", ".join(f"{go_type(a)}={go_value(a)}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _bad(verb: str, arg: Any) -> str:
    return f"%!{verb}({go_type(arg)}={go_value(arg)})"


def _format_one(arg: Any, verb: str, flags: str, prec: int | None) -> str:
    sign = "+" if "+" in flags else (" " if " " in flags else "")
    if verb == "v" or (verb == "s" and not isinstance(arg, int | float | bool)):
        text = go_value(arg) if arg is not None else "<nil>"
        if isinstance(arg, float) and verb == "v":
            text = _float_verb(arg, "g", sign, prec)
        return text[:prec] if prec is not None and isinstance(arg, str) else text
    if verb == "t":
        return ("true" if arg else "false") if isinstance(arg, bool) else _bad(verb, arg)
    if verb == "q":
        if isinstance(arg, str):
            return json.dumps(arg, ensure_ascii=False)
        return _bad(verb, arg)
    if isinstance(arg, bool) or arg is None:
        return _bad(verb, arg)
    if isinstance(arg, int):
        spec = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b", "c": "c"}.get(verb)
        if spec is None:
            return _bad(verb, arg)
        if spec == "c":
            return chr(arg)
        return format(arg, sign + spec)
    if isinstance(arg, float):
        if verb in "eEfFgG":
            return _float_verb(arg, verb, sign, prec)
        return _bad(verb, arg)
    if isinstance(arg, str) and verb in "xX":
        text = arg.encode().hex()
        return text.upper() if verb == "X" else text
    return _bad(verb, arg)


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


def _pad(text: str, flags: str, width: str | None, arg: Any) -> str:
    if not width or len(text) >= int(width):
        return text
    size = int(width)
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags and isinstance(arg, int | float) and not isinstance(arg, bool):
        sign = text[0] if text[:1] in "+- " else ""
        return sign + text[len(sign) :].rjust(size - len(sign), "0")
    return text.rjust(size)
