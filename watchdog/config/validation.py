"""Turn pydantic validation errors into file:line: key: reason issues (never echoing values)."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from watchdog.config.errors import ConfigIssue, KeyedError, KeyPath
from watchdog.config.yamlsource import YamlDocument

__all__ = ["allowed_keys", "did_you_mean", "issues_from_validation"]


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def issues_from_validation(
    error: ValidationError,
    doc: YamlDocument,
    model: type[BaseModel],
    data: Any,
    prefix: KeyPath = (),
) -> list[ConfigIssue]:
    """One issue per pydantic error, located in the YAML document."""
    issues: list[ConfigIssue] = []
    for item in error.errors(include_url=False, include_input=False):
        loc = tuple(item["loc"])
        path = _data_path(data, loc)
        conflict = (item.get("ctx") or {}).get("error")
        if isinstance(conflict, KeyedError) and conflict.keys:
            path = (*path, _written_key(data, path, conflict.keys))
        full = (*prefix, *path)
        message = _message(item["type"], item["msg"], model, loc, path)
        issues.append(ConfigIssue(doc.file, doc.line_of(full), full, message))
    return issues


def _message(
    kind: str, msg: str, model: type[BaseModel], loc: tuple[Any, ...], path: KeyPath
) -> str:
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        allowed = allowed_keys(model, loc[:-1])
        hint = did_you_mean(key, allowed) if allowed else ""
        listing = f"; allowed: {', '.join(sorted(allowed))}" if allowed and not hint else ""
        return f"unknown key{hint}{listing}"
    if kind == "missing":
        return "required key is missing"
    for noise in ("Value error, ", "Assertion failed, "):
        if msg.startswith(noise):
            return msg[len(noise) :]
    return msg


def _written_key(data: Any, path: KeyPath, keys: Sequence[str]) -> str:
    """The first of ``keys`` present in the mapping at ``path`` (else the first key)."""
    node = data
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            node = node[part]
        else:
            node = None
    present = [key for key in keys if isinstance(node, dict) and key in node]
    return (present or list(keys))[0]


def _data_path(data: Any, loc: tuple[Any, ...]) -> KeyPath:
    """Follow ``loc`` through the data, skipping pydantic's union tags and wrappers."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        is_last = index == len(loc) - 1
        if (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif isinstance(current, dict) and current.get("kind") == part:
            continue  # a union tag such as 'slack' in ('emergency', 0, 'slack', 'url')
        elif isinstance(current, dict) and is_last and isinstance(part, str):
            path.append(part)  # a missing key: point at it by name, at its parent's line
    return tuple(path)


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys a mapping at ``loc`` (relative to ``model``) accepts; [] when unknown."""
    target: Any = model
    for part in loc:
        target = _step(target, part)
        if target is None:
            return []
    target = _unwrap(target)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [f.alias or name for name, f in target.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(part, int) and origin in (list, tuple):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            if isinstance(member, type) and issubclass(member, BaseModel):
                kind = member.model_fields.get("kind")
                if kind is not None and part in typing.get_args(kind.annotation):
                    return member
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
    return None
