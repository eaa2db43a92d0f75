"""The input notation of ``promtool test rules``: series selectors and expanding values.

``values: "1+2x3 _ stale 5x2"`` expands to ``1 3 5 7 _ stale 5 5 5``: ``a+bxn`` is ``a`` then
``n`` further samples stepping by ``b``; ``a-bxn`` steps down; ``axn`` repeats ``a``;
``_xn`` is ``n`` missing samples; ``_`` is one missing sample; ``stale`` a staleness marker.
"""

from __future__ import annotations

import math
import re

from watchdog.samples import METRIC_NAME, LabelSet

__all__ = ["MISSING", "STALE", "SeriesError", "expand_values", "parse_series"]


class SeriesError(ValueError):
    """Bad series selector or values string."""


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = _Marker("_")
STALE = _Marker("stale")

Value = float | _Marker

# No hexadecimal: in series notation "0x10" is 0 repeated (promtool's lexer refuses 0x1f).
_NUMBER = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])"
_TERM = re.compile(
    rf"^(?:(?P<blank>_)(?:x(?P<blank_n>\d+))?"
    rf"|(?P<stale>stale)"
    rf"|(?P<start>{_NUMBER})(?:(?P<op>[+-])(?P<step>{_NUMBER}))?(?:x(?P<n>\d+))?)$"
)


def _number(text: str) -> float:
    """Go's ``strconv.ParseInt(s, 0, 64)`` first (``010`` is octal 8), then ``ParseFloat``."""
    lowered = text.lower().lstrip("+-")
    sign = -1.0 if text.startswith("-") else 1.0
    if len(lowered) > 1 and lowered.startswith("0") and set(lowered) <= set("01234567"):
        return sign * int(lowered, 8)
    if lowered == "inf":
        return sign * math.inf
    if lowered == "nan":
        return math.nan
    return float(text)


def expand_values(text: str) -> list[Value]:
    """Expand a values string into floats, ``MISSING`` and ``STALE``."""
    out: list[Value] = []
    for term in str(text).split():
        match = _TERM.match(term)
        if match is None:
            raise SeriesError(f"invalid value {term!r} in series values")
        if match.group("blank"):
            out.extend([MISSING] * int(match.group("blank_n") or 1))
        elif match.group("stale"):
            out.append(STALE)
        else:
            start = _number(match.group("start"))
            if match.group("n") is None:
                if match.group("op"):
                    raise SeriesError(f"invalid value {term!r}: a step needs a count ('x<n>')")
                out.append(start)
                continue
            step = _number(match.group("step")) if match.group("step") else 0.0
            if match.group("op") == "-":
                step = -step
            value = start
            for _ in range(int(match.group("n")) + 1):
                out.append(value)
                value += step  # accumulated like promtool, not start + i * step
    return out


_SELECTOR = re.compile(r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(?P<body>.*)\})?\s*$", re.S)
_PAIR = re.compile(
    r'\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*(?P<value>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')\s*(?:,|$)'
)


def parse_series(text: str) -> LabelSet:
    """Parse ``name{label="value", ...}`` (equality matchers only) into a label set."""
    match = _SELECTOR.match(str(text))
    if match is None or (match.group("name") is None and match.group("body") is None):
        raise SeriesError(f'invalid series {text!r}: expected name{{label="value", ...}}')
    labels: dict[str, str] = {}
    if match.group("name"):
        labels[METRIC_NAME] = match.group("name")
    body = (match.group("body") or "").strip()
    pos = 0
    while pos < len(body):
        pair = _PAIR.match(body, pos)
        if pair is None or pair.end() == pos:
            raise SeriesError(f"invalid series {text!r}: cannot parse labels at {body[pos:]!r}")
        labels[pair.group("label")] = _unquote(pair.group("value"))
        pos = pair.end()
    return LabelSet(labels)


def _unquote(quoted: str) -> str:
    inner = quoted[1:-1]
    return re.sub(
        r"\\(.)",
        lambda m: {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}.get(m[1], m[0]),
        inner,
    )
