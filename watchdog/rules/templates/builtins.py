"""Go ``text/template``'s built-in functions (Go 1.19, as in Prometheus 2.42).

``and`` and ``or`` are not here: the executor evaluates them lazily, as Go does.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from watchdog.rules.templates.gofmt import go_sprint
from watchdog.rules.templates.values import FuncError, go_truth, go_type

__all__ = ["eq", "ge", "gt", "html_escape", "index", "le", "length", "lt", "ne", "not_", "urlquery"]


def not_(value: Any) -> bool:
    """Logical negation of Go truthiness."""
    return not go_truth(value)


def length(value: Any) -> int:
    """``len``: bytes of a string, entries of a map or slice."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, dict | list | tuple):
        return len(value)
    raise FuncError(f"len of type {go_type(value)}")


def index(item: Any, *keys: Any) -> Any:
    """``index``: map lookups (missing keys give ""), slice and string positions."""
    if item is None:
        raise FuncError("index of untyped nil")
    for key in keys:
        if isinstance(item, dict):
            if not isinstance(key, str):
                raise FuncError(f"value has type {go_type(key)}; should be string")
            item = item.get(key, "")
        elif isinstance(item, list | tuple | str):
            if key is None:
                raise FuncError("cannot index slice/array with nil")
            if not isinstance(key, int) or isinstance(key, bool):
                raise FuncError(f"cannot index slice/array with type {go_type(key)}")
            if not 0 <= key < len(item):
                raise FuncError(f"index out of range: {key}")
            item = item[key] if not isinstance(item, str) else item.encode()[key]
        else:
            raise FuncError(f"can't index item of type {go_type(item)}")
    return item


def _kind(value: Any) -> str | None:
    """Go's ``basicKind``: bool, int, float or string; None for the rest."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def eq(first: Any, *others: Any) -> bool:
    """``eq a b c``: a equals any of the others (same basic kind required)."""
    if not others:
        raise FuncError("missing argument for comparison")
    for other in others:
        k1, k2 = _kind(first), _kind(other)
        if k1 != k2:
            if first is not None and other is not None:
                raise FuncError("incompatible types for comparison")
        elif k1 is None and (isinstance(first, dict | list) or isinstance(other, dict | list)):
            raise FuncError(f"non-comparable type {go_sprint([other])}: {go_type(other)}")
        if first == other and k1 == k2:
            return True
    return False


def _ordered(first: Any, second: Any) -> tuple[Any, Any]:
    k1, k2 = _kind(first), _kind(second)
    if k1 is None or k1 == "bool" or k2 is None or k2 == "bool":
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        raise FuncError("incompatible types for comparison")
    return first, second


def ne(a: Any, b: Any) -> bool:
    """``ne``."""
    return not eq(a, b)


def lt(a: Any, b: Any) -> bool:
    """``lt``."""
    x, y = _ordered(a, b)
    return bool(x < y)


def le(a: Any, b: Any) -> bool:
    """``le``."""
    x, y = _ordered(a, b)
    return bool(x <= y)


def gt(a: Any, b: Any) -> bool:
    """``gt``."""
    return not le(a, b)


def ge(a: Any, b: Any) -> bool:
    """``ge``."""
    return not lt(a, b)


_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\ufffd"}


def html_escape(*args: Any, limit: int | None = None) -> str:
    """``html``: Go's ``HTMLEscapeString`` of the printed arguments."""
    text = go_sprint(args, limit=limit)
    return "".join(_HTML.get(char, char) for char in text)


def urlquery(*args: Any, limit: int | None = None) -> str:
    """``urlquery``: Go's ``QueryEscape`` of the printed arguments."""
    return urllib.parse.quote_plus(go_sprint(args, limit=limit))
