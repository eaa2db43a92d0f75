"""JSON request bodies parsed with bounds, and refused with a reason a client can act on.

Python's ``json`` recurses once per nesting level: a body of 100,000 ``[`` makes it raise
``RecursionError``, and a value nested a few hundred levels deep parses but is a trap for any
recursive code that touches it. ``parse_json_body`` turns the first into a refusal and
measures the nesting of what did parse (iteratively), refusing anything deeper than
``MAX_JSON_DEPTH``.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "BadBodyError", "json_depth", "parse_json_body", "path_key"]

MAX_JSON_DEPTH = 32
"""Nesting levels a request body may have; Alertmanager's webhook payload needs 3."""

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class BadBodyError(ValueError):
    """A request body that cannot be used; the message says why."""


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a decoded JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_json_body(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode a JSON body; ``BadBodyError`` for anything too deep, not UTF-8 or not JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBodyError(f"not valid JSON: not UTF-8 at byte {exc.start}") from None
    too_deep = f"JSON nested deeper than {max_depth} levels"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadBodyError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BadBodyError(too_deep) from None
    if json_depth(value) > max_depth:
        raise BadBodyError(too_deep)
    return value


def path_key(key: str) -> str:
    """A key as a path segment for an error message: ``.name``, or quoted and shortened."""
    if _PLAIN_KEY.match(key):
        return f".{key}"
    shown = json.dumps(key[:40]) + ("…" if len(key) > 40 else "")
    return f"[{shown}]"
