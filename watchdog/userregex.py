"""Every regular expression a user writes, compiled one way: RE2, Prometheus' own dialect.

Label matchers, ``label_replace``, the template functions ``match`` / ``reReplaceAll`` and the
config's regexes (``body_regex``, ``answer_regex``, ``line_regex``, process ``deny``) all come
through :func:`compile_regex`. RE2 (PyPI ``google-re2``) matches in time linear in the input,
so no pattern can stall the event loop by backtracking (``^(a|a)+$`` took 11.6 s on 27
characters with Python's ``re``), and its syntax is Go's: inline flags anywhere (``(?i)``,
``(?s)``, ``(?m)``, ``(?U)``), ``\\pL``, ``[[:alpha:]]``, ``\\Q...\\E``, ``$`` only at the end.

Two constructs the C++ RE2 accepts and Go's regexp (Prometheus 2.42) refuses are refused here
too, naming the construct: ``\\C`` and ``(?<name>...)``. Anchored patterns are wrapped as
Prometheus wraps them, ``^(?:pattern)$``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2

__all__ = [
    "OutputTooLargeError",
    "Regex",
    "RegexError",
    "RegexMatch",
    "compile_regex",
    "expand_go_template",
]

_ODD_BACKSLASHES = r"(?<!\\)(?:\\\\)*\\"
_GO_REFUSES = (
    (re.compile(_ODD_BACKSLASHES + "C"), r"\C (any byte)"),
    (re.compile(r"(?<!\\)(?:\\\\)*\(\?<(?![=!])"), "(?<name>...) (write (?P<name>...))"),
)
_TEMPLATE_NAME = re.compile(r"\w+")  # Go: letters, digits and "_" (Unicode)
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are raised, never printed to stderr
_BOOLEAN_OPTIONS = re2.Options()
_BOOLEAN_OPTIONS.log_errors = False
_BOOLEAN_OPTIONS.never_capture = True  # a yes/no answer needs no group spans: 25% faster
_UNANCHORED = re2._Anchor.UNANCHORED
_NO_SPAN = (-1, -1)


class RegexError(ValueError):
    """A user regex that does not compile, or uses syntax Prometheus' RE2 refuses."""


class OutputTooLargeError(ValueError):
    """A replacement result grew past the caller's limit (the limit is the argument)."""


class RegexMatch:
    """One match: the whole text and the byte spans of every group (RE2 works on UTF-8)."""

    __slots__ = ("_data", "_regex", "_spans")

    def __init__(self, regex: Regex, data: bytes, spans: list[tuple[int, int]]) -> None:
        self._regex = regex
        self._data = data
        self._spans = spans

    @property
    def start_byte(self) -> int:
        """Where the match starts in the UTF-8 text."""
        return self._spans[0][0]

    @property
    def end_byte(self) -> int:
        """Where the match ends in the UTF-8 text."""
        return self._spans[0][1]

    def group(self, index: int | str = 0) -> str | None:
        """Group ``index`` (a number or a name); None when it did not take part or is unknown."""
        if isinstance(index, str):
            found = self._regex.group_names.get(index)
            if found is None:
                return None
            index = found
        if not 0 <= index < len(self._spans) or self._spans[index] == _NO_SPAN:
            return None
        start, end = self._spans[index]
        return self._data[start:end].decode()

    def expand(self, template: str) -> str:
        """Go's ``Regexp.ExpandString``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
        return expand_go_template(template, self)


class Regex:
    """A compiled user regex; see :func:`compile_regex`."""

    __slots__ = ("_boolean", "_re", "_source", "group_names", "groups", "pattern")

    def __init__(self, pattern: str, source: str, compiled: Any) -> None:
        self.pattern = pattern
        self._source = source
        self._re = compiled._regexp
        self._boolean: Any = None
        self.groups: int = compiled.groups
        self.group_names: dict[str, int] = compiled.groupindex

    def __repr__(self) -> str:
        return f"Regex({self._source!r})"

    def matches(self, text: str) -> bool:
        """Whether the pattern matches (anywhere, unless it was compiled ``anchored``)."""
        if self._boolean is None:
            self._boolean = re2.compile(self._source, _BOOLEAN_OPTIONS)._regexp
        data = text.encode()
        span: tuple[int, int] = self._boolean.Match(_UNANCHORED, data, 0, len(data))[0]
        return span != _NO_SPAN

    def search(self, text: str) -> RegexMatch | None:
        """The leftmost match with its groups, or None."""
        data = text.encode()
        spans = self._re.Match(_UNANCHORED, data, 0, len(data))
        return None if spans[0] == _NO_SPAN else RegexMatch(self, data, spans)

    def finditer(self, text: str) -> Iterator[RegexMatch]:
        """Successive non-overlapping matches, as Go's ``FindAll``: an empty match right
        after the previous match is skipped."""
        data = text.encode()
        pos, previous_end = 0, -1
        while pos <= len(data):
            spans = self._re.Match(_UNANCHORED, data, pos, len(data))
            if spans[0] == _NO_SPAN:
                return
            start, end = spans[0]
            if not (start == end == previous_end):
                yield RegexMatch(self, data, spans)
            previous_end = end
            pos = end if end > start else _next_char(data, end)

    def replace_all(self, text: str, template: str, limit: int | None = None) -> str:
        """Go's ``Regexp.ReplaceAllString``: every match replaced by the expanded template.

        With ``limit``, raises :class:`OutputTooLargeError` as soon as the result would exceed
        that many characters.
        """
        data = text.encode()
        out: list[str] = []
        size = last = 0
        for found in self.finditer(text):
            for piece in (data[last : found.start_byte].decode(), found.expand(template)):
                size += len(piece)
                if limit is not None and size > limit:
                    raise OutputTooLargeError(limit)
                out.append(piece)
            last = found.end_byte
        out.append(data[last:].decode())
        if limit is not None and size + len(out[-1]) > limit:
            raise OutputTooLargeError(limit)
        return "".join(out)


def _next_char(data: bytes, pos: int) -> int:
    """The byte offset after the UTF-8 character at ``pos`` (past the end when at it)."""
    pos += 1
    while pos < len(data) and data[pos] & 0xC0 == 0x80:
        pos += 1
    return pos


@lru_cache(maxsize=1024)
def compile_regex(pattern: str, *, anchored: bool = False, ignore_case: bool = False) -> Regex:
    """Compile a user regex with RE2; raise :class:`RegexError` naming what is wrong.

    ``anchored`` wraps it as Prometheus does for label matchers and ``label_replace``
    (``^(?:pattern)$``); ``ignore_case`` prefixes ``(?i)``.
    """
    for finder, construct in _GO_REFUSES:
        if finder.search(pattern):
            raise RegexError(
                f"regular expression {pattern!r} uses {construct}, which Prometheus' "
                "regular expressions (Go RE2) do not accept"
            )
    source = f"^(?:{pattern})$" if anchored else pattern
    if ignore_case:
        source = "(?i)" + source
    try:
        return Regex(pattern, source, re2.compile(source, _OPTIONS))
    except re2.error as exc:
        reason = _reason(exc)
    if source != pattern:  # say what is wrong with the pattern as written, not as wrapped
        try:
            re2.compile(pattern, _OPTIONS)
        except re2.error as exc:
            reason = _reason(exc)
    raise RegexError(f"invalid regular expression {pattern!r}: {reason}")


def _reason(exc: re2.error) -> str:
    reason = exc.args[0] if exc.args else ""
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def expand_go_template(template: str, found: RegexMatch) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``.

    A reference to a group that does not exist expands to ``""``; a ``$`` not followed by a
    valid reference is literal text.
    """
    out: list[str] = []
    i = 0
    while i < len(template):
        dollar = template.find("$", i)
        if dollar < 0:
            out.append(template[i:])
            break
        out.append(template[i:dollar])
        rest = template[dollar + 1 :]
        if rest.startswith("$"):
            out.append("$")
            i = dollar + 2
            continue
        if rest.startswith("{"):
            close = rest.find("}")
            name = rest[1:close] if close > 0 else ""
            valid = close > 0 and _TEMPLATE_NAME.fullmatch(name) is not None
            consumed = close + 1
        else:
            word = _TEMPLATE_NAME.match(rest)
            name = word.group() if word else ""
            valid = word is not None
            consumed = len(name)
        if not valid:
            out.append("$")
            i = dollar + 1
            continue
        out.append(_group(found, name))
        i = dollar + 1 + consumed
    return "".join(out)


def _group(found: RegexMatch, name: str) -> str:
    if name.isascii() and name.isdigit():
        if (name.startswith("0") and len(name) > 1) or len(name) > 9:
            return found.group(name) or ""  # Go: not a number, so a (missing) name
        return found.group(int(name)) or ""
    return found.group(name) or ""
