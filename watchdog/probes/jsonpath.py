"""A small JSONPath subset for picking values (log lines, a count) out of an HTTP API's answer.

``$.data.hits[*].message``: dotted member names, ``[*]`` for every element (or every value of
an object) and ``[N]`` for one element. Nothing else — no filters, no recursion.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JsonPathError", "compile_path", "select", "texts_at"]

_STEP = re.compile(r"\.([A-Za-z0-9_@$-]+)|\[(\*|\d+)\]")


class JsonPathError(ValueError):
    """The path is not in the supported subset."""


def compile_path(path: str) -> list[tuple[str | None, str | None]]:
    """Parse ``path`` into (member, index) steps, or raise JsonPathError."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    if text and not text.startswith((".", "[")):
        text = "." + text
    steps: list[tuple[str | None, str | None]] = []
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if match is None:
            raise JsonPathError(f"cannot read json_path {path!r} at character {pos + 1}")
        steps.append((match.group(1), match.group(2)))
        pos = match.end()
    return steps


def select(document: Any, path: str) -> list[Any]:
    """Every value ``path`` reaches in ``document`` (missing members reach nothing)."""
    nodes = [document]
    for member, index in compile_path(path):
        reached: list[Any] = []
        for node in nodes:
            if member is not None:
                if isinstance(node, dict) and member in node:
                    reached.append(node[member])
            elif index == "*":
                if isinstance(node, list):
                    reached.extend(node)
                elif isinstance(node, dict):
                    reached.extend(node.values())
            elif isinstance(node, list) and index is not None and int(index) < len(node):
                reached.append(node[int(index)])
        nodes = reached
    return nodes


def texts_at(document: Any, path: str) -> list[str]:
    """The values at ``path`` as text: strings as they are, anything else as JSON."""
    return [v if isinstance(v, str) else json.dumps(v) for v in select(document, path)]
