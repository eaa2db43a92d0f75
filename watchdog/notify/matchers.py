"""Alertmanager's label matchers: ``name=value``, ``!=``, ``=~``, ``!~``, as amtool writes them.

The syntax is Alertmanager's classic one (``pkg/labels/parse.go``): an optional ``{`` … ``}``
around a comma-separated list; each matcher is a label name, an operator and a value that
may be double-quoted (then ``\\"``, ``\\n`` and ``\\\\`` are escapes, and commas inside do not
split). Regexes are RE2, anchored as Alertmanager anchors them (``^(?:re)$``). A missing
label matches as the empty string, so ``team!="db"`` matches an alert without ``team``.

``Matchers`` print as Alertmanager prints them in group keys: sorted by name, value and
operator, ``{name="escaped value",…}`` without spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator

from watchdog.userregex import Regex, RegexError, compile_regex

__all__ = [
    "Matcher",
    "MatcherError",
    "MatcherList",
    "format_matchers",
    "matchers_from_api",
    "matchers_of",
    "matches_all",
    "parse_matcher",
    "parse_matchers",
]

_OPERATORS = ("=", "!=", "=~", "!~")
_ORDER = {op: index for index, op in enumerate(_OPERATORS)}
_MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.S)


class MatcherError(ValueError):
    """A matcher that cannot be parsed or whose regex does not compile."""


@dataclass(frozen=True)
class Matcher:
    """One label matcher."""

    name: str
    op: str
    value: str
    regex: Regex | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, name: str, op: str, value: str) -> Matcher:
        """A checked matcher (the regex compiled once)."""
        if op not in _OPERATORS:
            raise MatcherError(f"unknown matcher operator {op!r}")
        regex = None
        if op in ("=~", "!~"):
            try:
                regex = compile_regex(value, anchored=True)
            except RegexError as exc:
                raise MatcherError(f"{name}{op}{_quote(value)}: {exc}") from None
        return cls(name, op, value, regex)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this matcher (a missing label is the empty string)."""
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        assert self.regex is not None
        return self.regex.matches(value) == (self.op == "=~")

    def __str__(self) -> str:
        return f"{self.name}{self.op}{_quote(self.value)}"

    def sort_key(self) -> tuple[str, str, int]:
        """Alertmanager's order: name, value, then operator."""
        return (self.name, self.value, _ORDER[self.op])

    def to_api(self) -> dict[str, Any]:
        """The matcher in Alertmanager's API v2 form."""
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.op in ("=~", "!~"),
            "isEqual": self.op in ("=", "=~"),
        }


def parse_matcher(text: str) -> Matcher:
    """One matcher such as ``severity=~"critical|page"``; ``MatcherError`` says what is wrong."""
    found = _MATCHER.match(text)
    if found is None:
        raise MatcherError(
            f"bad matcher format: {text.strip()!r} (want name=value, name!=value,"
            ' name=~"regex" or name!~"regex")'
        )
    name, op, raw = found.groups()
    return Matcher.of(name, op, _unquote(raw, text))


def parse_matchers(text: str) -> list[Matcher]:
    """A comma-separated list, optionally in braces: ``{a="b", c=~"d.*"}`` or ``a=b,c!=d``."""
    body = text.strip()
    body = body.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    quoted = escaped = False
    for char in body:
        if char == "," and not quoted:
            tokens.append("".join(token))
            token = []
            continue
        if char == '"' and not escaped:
            quoted = not quoted
        escaped = char == "\\" and not escaped
        token.append(char)
    last = "".join(token).strip()
    if last:
        tokens.append(last)
    return [parse_matcher(t) for t in tokens]


def matchers_of(texts: Iterable[str]) -> list[Matcher]:
    """Every matcher of a config list of matcher strings."""
    return [m for text in texts for m in parse_matchers(text)]


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher matches (no matchers: everything matches)."""
    return all(m.matches(labels) for m in matchers)


def format_matchers(matchers: Iterable[Matcher]) -> str:
    """``{a="b",c=~"d"}`` sorted like Alertmanager (its route keys and group keys)."""
    ordered = sorted(matchers, key=Matcher.sort_key)
    return "{" + ",".join(str(m) for m in ordered) + "}"


def matchers_from_api(items: Sequence[Mapping[str, Any]]) -> list[Matcher]:
    """Matchers from Alertmanager's API v2 form (``name, value, isRegex, isEqual``)."""
    out = []
    for item in items:
        name, value = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(value, str) or not name:
            raise MatcherError("a matcher needs a string name and value")
        regex = bool(item.get("isRegex", False))
        equal = bool(item.get("isEqual", True))
        op = ("=~" if equal else "!~") if regex else ("=" if equal else "!=")
        out.append(Matcher.of(name, op, value))
    return out


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return f'"{escaped}"'


def _unquote(raw: str, text: str) -> str:
    """Alertmanager's value rules: optional quotes, ``\\"``/``\\n``/``\\\\`` escapes; a lone
    backslash is literal; an unescaped quote inside is an error."""
    quoted = raw.startswith('"')
    if quoted:
        raw = raw[1:]
    out: list[str] = []
    index, closed = 0, not quoted
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            nxt = raw[index + 1]
            out.append({"n": "\n", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            index += 2
            continue
        if char == '"':
            if not quoted or index != len(raw) - 1:
                raise MatcherError(f"matcher value contains an unescaped double quote: {text!r}")
            closed = True
        else:
            out.append(char)
        index += 1
    if not closed:
        raise MatcherError(f"matcher value lacks its closing double quote: {text!r}")
    return "".join(out)


def _check_matcher(text: str) -> str:
    try:
        parse_matchers(text)
    except MatcherError as exc:
        raise ValueError(str(exc)) from None
    return text


MatcherList = list[Annotated[str, AfterValidator(_check_matcher)]]
"""A config list of matcher strings (each may hold several, comma-separated), as in
Alertmanager's ``matchers:``; refused at load time with the reason."""
