"""Template functions: Prometheus 2.42's additions (``humanize`` & co) and the registry.

Every function is pure: no file, network or process access. ``query`` reaches the sample store
only through the callback the caller provides. Each entry carries its Go signature, because Go
checks argument types before calling and its error texts name them (``expected string; found
1``); the executor reproduces that check.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from watchdog.durations import DurationError, parse_duration
from watchdog.rules.templates import builtins
from watchdog.rules.templates.gofmt import go_sprint, go_sprintf
from watchdog.rules.templates.humanize import (
    humanize,
    humanize1024,
    humanize_duration,
    humanize_percentage,
    humanize_timestamp,
)
from watchdog.rules.templates.limits import LimitExceeded
from watchdog.rules.templates.values import (
    ANY,
    RESULT,
    SAMPLE,
    STRING,
    VALUE,
    ArgsMap,
    FuncError,
    GoHTML,
    QueryResult,
    QuerySample,
    go_quote,
    go_type,
)
from watchdog.userregex import OutputTooLargeError, Regex, RegexError, compile_regex

__all__ = ["FUNCTIONS", "Function"]


@dataclass(frozen=True)
class Function:
    """A callable with its Go parameter types; ``variadic`` types the tail (None: fixed).

    ``bounded`` functions build text from their arguments and take ``limit=`` (characters),
    raising ``LimitExceeded`` before building more; ``contextual`` ones get the expansion's
    context (alert data, query callback, budget) as their first argument.
    """

    call: Callable[..., Any]
    params: tuple[str, ...] = ()
    variadic: str | None = None
    bounded: bool = False
    contextual: bool = False


def _want_str(value: Any) -> str:
    if not isinstance(value, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type(value)}")
    return value


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


def re_replace_all(pattern: Any, replacement: Any, text: Any, limit: int | None = None) -> str:
    """Go ``regexp.ReplaceAllString`` (``$1`` references), RE2 in linear time.

    The result is counted while it is built: an empty pattern and a long replacement would
    otherwise multiply the text's length before anything could look at it.
    """
    try:
        return _compile(pattern).replace_all(_want_str(text), _want_str(replacement), limit)
    except OutputTooLargeError:
        raise LimitExceeded(
            f"reReplaceAll result exceeds the template string limit of {limit} characters"
        ) from None


def match(pattern: Any, text: Any) -> bool:
    """Unanchored regex search, like Go's ``regexp.MatchString``, RE2 in linear time."""
    return _compile(pattern).matches(_want_str(text))


def _split_host_port(text: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort``; None where Go returns an error."""
    colon = text.rfind(":")
    if colon < 0:
        return None
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or end + 1 != colon:
            return None
        host, low, high = text[1:end], 1, end + 1
    else:
        host, low, high = text[:colon], 0, 0
        if ":" in host:
            return None
    if "[" in text[low:] or "]" in text[high:]:
        return None
    return host, text[colon + 1 :]


def strip_port(text: str) -> str:
    """``host:port`` → ``host`` (``[v6]:port`` → ``v6``); anything else unchanged."""
    split = _split_host_port(text)
    return split[0] if split is not None else text


def strip_domain(text: str) -> str:
    """``host.example:9100`` → ``host:9100``; IP addresses unchanged."""
    split = _split_host_port(text)
    host, port = split if split is not None else (text, "")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return text
    host = host.split(".")[0]
    if not port:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_duration_seconds(text: str) -> float:
    """A Prometheus duration string as float seconds (errors worded as Prometheus words them)."""
    if not text:
        raise FuncError("empty duration string")
    try:
        return parse_duration(text)
    except DurationError:
        raise FuncError(f"not a valid duration string: {go_quote(text)}") from None


def _first(values: QueryResult) -> QuerySample:
    if not values:
        raise FuncError("first() called on vector with no elements")
    return values[0]


def _sort_by_label(name: str, values: QueryResult) -> QueryResult:
    return QueryResult(sorted(values, key=lambda s: s.Labels.get(name, "")))


def _args(*args: Any) -> ArgsMap:
    return ArgsMap({f"arg{i}": value for i, value in enumerate(args)})


def _link(tab: int) -> Callable[[str], str]:
    def link(expr: str) -> str:
        return f"/graph?g0.expr={urllib.parse.quote_plus(expr)}&g0.tab={tab}"

    return link


def _printf(fmt: str, *args: Any, limit: int | None = None) -> str:
    return go_sprintf(fmt, args, limit)


def _print(*args: Any, limit: int | None = None) -> str:
    return go_sprint(args, limit=limit)


def _println(*args: Any, limit: int | None = None) -> str:
    return go_sprint(args, spaces=True, limit=limit) + "\n"


FUNCTIONS: dict[str, Function] = {
    # Go text/template built-ins ("and"/"or" are evaluated lazily by the executor).
    "and": Function(lambda *a: a[-1], (VALUE,), VALUE),
    "or": Function(lambda *a: a[-1], (VALUE,), VALUE),
    "not": Function(builtins.not_, (VALUE,)),
    "len": Function(builtins.length, (VALUE,)),
    "index": Function(builtins.index, (VALUE,), VALUE),
    "print": Function(_print, (), ANY, bounded=True),
    "println": Function(_println, (), ANY, bounded=True),
    "printf": Function(_printf, (STRING,), ANY, bounded=True),
    "eq": Function(builtins.eq, (VALUE,), VALUE),
    "ne": Function(builtins.ne, (VALUE, VALUE)),
    "lt": Function(builtins.lt, (VALUE, VALUE)),
    "le": Function(builtins.le, (VALUE, VALUE)),
    "gt": Function(builtins.gt, (VALUE, VALUE)),
    "ge": Function(builtins.ge, (VALUE, VALUE)),
    "html": Function(builtins.html_escape, (), ANY, bounded=True),
    "urlquery": Function(builtins.urlquery, (), ANY, bounded=True),
    # Prometheus additions.
    "humanize": Function(humanize, (ANY,)),
    "humanize1024": Function(humanize1024, (ANY,)),
    "humanizeDuration": Function(humanize_duration, (ANY,)),
    "humanizePercentage": Function(humanize_percentage, (ANY,)),
    "humanizeTimestamp": Function(humanize_timestamp, (ANY,)),
    "toUpper": Function(str.upper, (STRING,)),
    "toLower": Function(str.lower, (STRING,)),
    "title": Function(title, (STRING,)),
    "reReplaceAll": Function(re_replace_all, (STRING, STRING, STRING), bounded=True),
    "match": Function(match, (STRING, STRING)),
    "safeHtml": Function(GoHTML, (STRING,)),
    "stripPort": Function(strip_port, (STRING,)),
    "stripDomain": Function(strip_domain, (STRING,)),
    "parseDuration": Function(parse_duration_seconds, (STRING,)),
    "args": Function(_args, (), ANY),
    "first": Function(_first, (RESULT,)),
    "label": Function(lambda name, sample: sample.Labels.get(name, ""), (STRING, SAMPLE)),
    "value": Function(lambda sample: sample.Value, (SAMPLE,)),
    "strvalue": Function(lambda sample: sample.Labels.get("__value__", ""), (SAMPLE,)),
    "sortByLabel": Function(_sort_by_label, (STRING, RESULT)),
    "graphLink": Function(_link(0), (STRING,)),
    "tableLink": Function(_link(1), (STRING,)),
}
"""Functions every template may call; ``query``, ``externalURL`` and ``pathPrefix`` are bound
per expansion by ``Template.expand``."""
