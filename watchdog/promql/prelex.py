"""Checks and rewrites on the query text before promql-parser sees it.

* **Durations written as numbers** (``x > 5m``) are refused: Prometheus 2.42 accepts durations
  only in ``[ranges]`` and after ``offset`` (promql-parser follows newer releases).
* **Nesting** is bounded before parsing: promql-parser's recursive descent overflows the C stack
  (a segfault that would take the daemon down, not an exception) on a few thousand levels, and
  our own tree walks are recursive. Anything past :data:`MAX_DEPTH` levels of brackets or
  :data:`MAX_OPERATORS` operators is refused with the position.
* **``@ <number>``** is replaced by a small placeholder and the real time kept aside:
  promql-parser panics when asked for a negative ``@`` time and keeps only microseconds, while
  Prometheus takes any finite number and rounds it to the millisecond.
"""

from __future__ import annotations

import math
import re

from watchdog.promql.errors import PromQLError

__all__ = ["MAX_DEPTH", "MAX_OPERATORS", "check_text", "extract_at_times"]

MAX_DEPTH = 200
MAX_OPERATORS = 2000

_MASK = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|#[^\n]*', re.DOTALL)
_DURATION = re.compile(r"(?<![\w.])(?:\d+(?:ms|[smhdwy]))+(?![\w.])")
_OFFSET_BEFORE = re.compile(r"\boffset\s*-?\s*$", re.IGNORECASE)
_BRACES = re.compile(r"\{[^{}]*\}")
_OPERATOR = re.compile(r"==|!=|<=|>=|[-+*/%^<>]|\b(?:and|or|unless|atan2)\b", re.IGNORECASE)
_AT_NUMBER = re.compile(
    r"@(\s*)([+-]?)\s*(0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])"
    r"(?![\w.])"
)


def _masked(text: str) -> str:
    """``text`` with string literals and comments blanked out (same length)."""
    return _MASK.sub(lambda m: " " * len(m.group()), text)


def check_text(text: str) -> None:
    """Refuse durations used as numbers and nesting past the limits, before parsing."""
    masked = _masked(text)
    _check_nesting(masked, text)
    for found in _DURATION.finditer(masked):
        before = masked[: found.start()]
        if before.count("[") > before.count("]") or _OFFSET_BEFORE.search(before):
            continue
        raise PromQLError(
            f"unexpected duration {found.group()!r} at position {found.start() + 1} in {text!r}: "
            "Prometheus 2.42 accepts durations only in [ranges] and after offset"
        )


def _check_nesting(masked: str, text: str) -> None:
    depth = 0
    for position, char in enumerate(masked):
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PromQLError(
                    f"expression nested too deeply: more than {MAX_DEPTH} levels of brackets "
                    f"at position {position + 1} in {_short(text)}"
                )
        elif char in ")]}":
            depth -= 1
    operators = len(_OPERATOR.findall(_BRACES.sub(" ", masked)))
    if operators > MAX_OPERATORS:
        raise PromQLError(
            f"expression too long: {operators} operators, the limit is {MAX_OPERATORS} "
            f"(in {_short(text)})"
        )


def _short(text: str) -> str:
    return repr(text if len(text) <= 120 else text[:120] + "...")


def extract_at_times(text: str) -> tuple[str, tuple[float, ...]]:
    """Replace each ``@ <number>`` by ``@ <k>`` (k = 1, 2, ...); return the text and the times.

    The times are seconds rounded to the millisecond like Prometheus (``math.Round`` of
    milliseconds, halves away from zero); a time that is not finite or does not fit in int64
    milliseconds is refused with Prometheus' message.
    """
    if "@" not in text:
        return text, ()
    masked = _masked(text)
    times: list[float] = []
    pieces: list[str] = []
    last = 0
    for found in _AT_NUMBER.finditer(masked):
        seconds = _number(found.group(3)) * (-1.0 if found.group(2) == "-" else 1.0)
        if not math.isfinite(seconds) or abs(seconds) >= 2.0**63 / 1000:
            raise PromQLError(f"timestamp out of bounds for @ modifier: {seconds:f} (in {text!r})")
        millis = math.floor(abs(seconds) * 1000 + 0.5)
        times.append(math.copysign(millis, seconds) / 1000 if millis else 0.0)
        pieces.append(text[last : found.start()])
        pieces.append(f"@{found.group(1)}{len(times)}")
        last = found.end()
    pieces.append(text[last:])
    return "".join(pieces), tuple(times)


def _number(literal: str) -> float:
    """A PromQL number literal: Go ``ParseInt(s, 0, 64)`` first (hex, octal), else a float."""
    lowered = literal.lower()
    if lowered.startswith("0x"):
        return float(int(lowered, 16))
    if len(lowered) > 1 and lowered.startswith("0") and set(lowered) <= set("01234567"):
        return float(int(lowered, 8))
    return float(lowered)
