"""A strict parser for the Prometheus text exposition format (0.0.4, plus OpenMetrics' ``# EOF``).

prometheus_client's parser accepts malformed lines (``a 1 2 3``) and its errors carry no line
number; a scrape of hostile output must fail with the exact line and reason instead.
"""

from __future__ import annotations

import math
import re

from watchdog.samples import METRIC_NAME_PATTERN, Sample

__all__ = ["ExpositionError", "parse_exposition"]

_NAME = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)([ \t]*)")
_VALUE = re.compile(r"^[ \t]*([^ \t{}]+)(?:[ \t]+(-?\d+))?[ \t]*$")
_LABEL = re.compile(r'[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*')
_TYPES = {
    "counter",
    "gauge",
    "histogram",
    "summary",
    "untyped",
    "unknown",
    "info",
    "stateset",
    "gaugehistogram",
}
# Prometheus' text parser replaces these three and keeps any other escape as written (\t too).
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
_SPECIAL = {"nan": math.nan, "+inf": math.inf, "inf": math.inf, "-inf": -math.inf}


class ExpositionError(ValueError):
    """Malformed exposition text; the message names the line."""


def parse_exposition(text: str) -> list[Sample]:
    """Parse exposition text into samples (timestamps are ignored, as for a normal scrape)."""
    samples: list[Sample] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("#"):
            _check_comment(line, number)
            continue
        samples.append(_parse_sample(line, number))
    return samples


def _check_comment(line: str, number: int) -> None:
    parts = line.split(None, 3)
    if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
        if len(parts) < 3 or not METRIC_NAME_PATTERN.match(parts[2]):
            raise ExpositionError(f"line {number}: # {parts[1]} needs a valid metric name")
        if parts[1] == "TYPE" and (len(parts) < 4 or parts[3].strip().lower() not in _TYPES):
            raise ExpositionError(f"line {number}: unknown metric type in # TYPE")


def _parse_sample(line: str, number: int) -> Sample:
    head = _NAME.match(line)
    if head is None:
        raise _not_a_sample(line, number)
    name, rest = head.group(1), line[head.end() :]
    labels: dict[str, str] = {}
    if rest.startswith("{"):
        # Labels first: a label value may hold " # " or braces, which are not an exemplar.
        end = _label_block_end(rest, number)
        labels = _parse_labels(rest[1:end], number)
        rest = rest[end + 1 :]
    elif not head.group(2):
        raise _not_a_sample(line, number)
    # OpenMetrics exemplars follow " # " after the value; they carry nothing we use.
    rest = rest.split(" # ", 1)[0]
    found = _VALUE.match(rest)
    if found is None:
        raise _not_a_sample(line, number)
    return Sample(name, _parse_value(found.group(1), number), labels)


def _not_a_sample(line: str, number: int) -> ExpositionError:
    shown = line if len(line) <= 60 else line[:57] + "..."
    return ExpositionError(f"line {number}: not a valid sample line: {shown!r}")


def _label_block_end(text: str, number: int) -> int:
    """Index of the ``}`` closing the label set that ``text`` starts with (quotes respected)."""
    quoted = escaped = False
    for pos in range(1, len(text)):
        char = text[pos]
        if escaped:
            escaped = False
        elif quoted:
            escaped = char == "\\"
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "}":
            return pos
    raise ExpositionError(f"line {number}: label set is not closed")


def _parse_labels(block: str, number: int) -> dict[str, str]:
    labels: dict[str, str] = {}
    pos = 0
    while pos < len(block):
        match = _LABEL.match(block, pos)
        if match is None:
            raise ExpositionError(
                f"line {number}: malformed label set near {block[pos : pos + 30]!r}"
            )
        name, raw_value = match.groups()
        if name in labels:
            raise ExpositionError(f"line {number}: label {name!r} appears twice")
        labels[name] = _unescape(raw_value, number)
        pos = match.end()
        if pos < len(block):
            if block[pos] != ",":
                raise ExpositionError(f"line {number}: expected ',' between labels")
            pos += 1
    return labels


def _unescape(raw: str, number: int) -> str:
    if "\\" not in raw:
        return raw

    def replace(match: re.Match[str]) -> str:
        escape = match.group(0)
        return _ESCAPES.get(escape, escape)

    return re.sub(r"\\.", replace, raw)


def _parse_value(text: str, number: int) -> float:
    special = _SPECIAL.get(text.lower())
    if special is not None:
        return special
    try:
        return float(text)
    except ValueError:
        raise ExpositionError(f"line {number}: value {text[:30]!r} is not a number") from None
