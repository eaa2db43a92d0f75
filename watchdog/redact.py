"""Keep secrets out of logs, metrics and error messages.

Every secret the config loads is registered here; ``redact`` replaces any occurrence of a
registered value, and values of keys that look like credentials, with a fixed marker.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "redact",
    "redact_event",
    "redact_url",
    "register_secret",
    "register_url_secret",
]

REDACTED = "<redacted>"
_MIN_SECRET_LENGTH = 4
_ANYWHERE_LENGTH = 12
"""Secrets at least this long are replaced wherever they occur; shorter ones (a dev token such
as ``root``) only where they stand alone, so ``/root/`` in a path survives."""
_STANDALONE = r"(?<![\w./-])(?:{})(?![\w./-])"
_SECRET_KEYS = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|routing[_-]?key|authorization|credential|cookie)",
    re.IGNORECASE,
)
_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Remember a secret value so it is never printed."""
    global _pattern
    if len(value) < _MIN_SECRET_LENGTH:
        return  # too short to redact without mangling ordinary text
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        long_ones = [re.escape(s) for s in ordered if len(s) >= _ANYWHERE_LENGTH]
        short_ones = [re.escape(s) for s in ordered if len(s) < _ANYWHERE_LENGTH]
        parts = long_ones + ([_STANDALONE.format("|".join(short_ones))] if short_ones else [])
        _pattern = re.compile("|".join(parts))


def register_url_secret(url: str) -> None:
    """Register a URL that embeds a credential, and its path+query when long enough to be one."""
    register_secret(url)
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(tail) >= _ANYWHERE_LENGTH:
        register_secret(tail)


def redact(text: str) -> str:
    """Replace every registered secret inside ``text``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(REDACTED, text)


def redact_url(url: str) -> str:
    """A URL safe to show: no userinfo, no query string, registered secrets removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = REDACTED if parts.query else ""
    return redact(urlunsplit((parts.scheme, host, parts.path, query, "")))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _SECRET_KEYS.search(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v) for v in value)
    if isinstance(value, BaseException):
        return redact(f"{type(value).__name__}: {value}")
    return value


def redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """structlog processor: scrub credential-looking keys and registered secret values."""
    for key in list(event):
        if _SECRET_KEYS.search(key):
            event[key] = REDACTED
        else:
            event[key] = _scrub(event[key])
    return event
