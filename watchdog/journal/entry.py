"""A journal entry and how it hashes: plain SHA-256, or HMAC-SHA256 with a journal key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from watchdog.journal.keys import JournalKey

__all__ = ["JournalEntry", "canonical_json", "entry_hash"]


def canonical_json(data: Mapping[str, Any]) -> str:
    """The one JSON text a mapping hashes as."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int, ts: float, kind: str, data: str, prev: str, key: JournalKey | None = None
) -> str:
    """SHA-256 over an entry's fields and its predecessor's hash; with ``key``, HMAC-SHA256
    over the same and the key's id."""
    if key is None:
        material = json.dumps([seq, ts, kind, data, prev], separators=(",", ":"))
        return hashlib.sha256(material.encode()).hexdigest()
    material = json.dumps([seq, ts, kind, data, prev, key.id], separators=(",", ":"))
    return key.seal(material.encode())


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry as stored."""

    seq: int
    ts: float
    kind: str
    data: str
    prev: str
    hash: str
    key: str = ""
    """Id of the key the entry was sealed with; empty for a plain SHA-256 entry."""

    def fields(self) -> dict[str, Any]:
        """``data`` decoded (``{}`` when it is not a JSON object)."""
        try:
            value = json.loads(self.data)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
