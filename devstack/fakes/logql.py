"""The LogQL subset the fake Loki understands: a stream selector and line filters.

``{label="v", other=~"re.*", x!="y", z!~"w"} |= "text" != "other" |~ "re" !~ "re"``, strings
double-quoted (Go escapes) or in backticks, regex matchers anchored like Loki's. Anything else
is a parse error, as it would be for a query outside this subset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["LogQLError", "Query", "parse_query"]

_MATCHER = re.compile(
    r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(,|\})'
)
_FILTER = re.compile(r'\s*(\|=|!=|\|~|!~)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)')


class LogQLError(ValueError):
    """The query is not valid (in the supported subset)."""


@dataclass(frozen=True)
class Query:
    """A parsed log query."""

    matchers: tuple[tuple[str, str, str], ...]
    filters: tuple[tuple[str, str], ...]

    def selects(self, labels: Mapping[str, str]) -> bool:
        """True when a stream with ``labels`` matches the selector."""
        for name, op, value in self.matchers:
            actual = labels.get(name, "")
            if op == "=" and actual != value:
                return False
            if op == "!=" and actual == value:
                return False
            if op in ("=~", "!~"):
                hit = re.fullmatch(value, actual) is not None
                if hit != (op == "=~"):
                    return False
        return True

    def keeps(self, line: str) -> bool:
        """True when ``line`` passes every line filter."""
        return all(_line_test(op, value)(line) for op, value in self.filters)


def _line_test(op: str, value: str) -> Callable[[str], bool]:
    if op == "|=":
        return lambda line: value in line
    if op == "!=":
        return lambda line: value not in line
    pattern = re.compile(value)
    if op == "|~":
        return lambda line: pattern.search(line) is not None
    return lambda line: pattern.search(line) is None


def _string(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    return str(json.loads(token))


def parse_query(text: str) -> Query:
    """Parse a log query; LogQLError with Loki-like wording on failure."""
    source = text.strip()
    if not source.startswith("{"):
        raise LogQLError("parse error at line 1, col 1: syntax error: unexpected IDENTIFIER")
    pos = 1
    matchers: list[tuple[str, str, str]] = []
    while True:
        match = _MATCHER.match(source, pos)
        if match is None:
            raise LogQLError(f"parse error at line 1, col {pos + 1}: syntax error: bad matcher")
        name, op, raw, end = match.groups()
        value = _string(raw)
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise LogQLError(f"parse error: invalid regex {value!r}: {exc}") from None
        matchers.append((name, op, value))
        pos = match.end()
        if end == "}":
            break
    filters: list[tuple[str, str]] = []
    while pos < len(source):
        match = _FILTER.match(source, pos)
        if match is None:
            raise LogQLError(f"parse error at line 1, col {pos + 1}: syntax error: unexpected")
        filters.append((match.group(1), _string(match.group(2))))
        pos = match.end()
        if not source[pos:].strip():
            break
    query = Query(tuple(matchers), tuple(filters))
    if all(_empty_compatible(op, value) for _name, op, value in query.matchers):
        raise LogQLError(
            "queries require at least one regexp or equality matcher that does not have an "
            'empty-compatible value. For instance, app=~".*" does not meet this requirement, '
            'but app=~".+" will'
        )
    return query


def _empty_compatible(op: str, value: str) -> bool:
    if op == "=":
        return value == ""
    if op == "=~":
        return re.fullmatch(value, "") is not None
    return True  # negative matchers alone never select a stream in Loki
