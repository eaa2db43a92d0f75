"""Anchors: an entry count and the hash of the entry at that count, kept somewhere else.

A chain proves that nothing *inside* it changed; it cannot prove that nothing was cut from
its end, that the table was not emptied, or (unkeyed) that the tail was not rewritten with
fresh hashes. An anchor ``HEAD:COUNT`` recorded earlier can: the journal must still have at
least COUNT entries, and entry #COUNT must still hash to HEAD. The daemon ships its anchor
with every heartbeat ping (to the dead man's switch, off this host), serves it at
``/api/v1/journal/head``, and keeps the last one it verified in ``state_dir/journal.anchor``
(sealed with the journal key when there is one) so that its next start checks against it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from watchdog.journal.keys import JournalKeys

__all__ = ["ANCHOR_FILE", "GENESIS", "GENESIS_ANCHOR", "Anchor", "LocalAnchor"]

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""
ANCHOR_FILE = "journal.anchor"
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Anchor:
    """``count`` entries, the last of which hashes to ``head``."""

    count: int
    head: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """``HEAD:COUNT`` (as shipped and printed; ``COUNT:HEAD`` is accepted too)."""
        parts = text.strip().split(":")
        if len(parts) == 2:
            for head, count in (parts, parts[::-1]):
                if _HASH.match(head.lower()) and count.isdigit():
                    return cls(int(count), head.lower())
        raise ValueError(f"{text!r} is not an anchor: expected HEAD:COUNT (64 hex digits:entries)")

    def __str__(self) -> str:
        return f"{self.head}:{self.count}"


GENESIS_ANCHOR = Anchor(0, GENESIS)


class LocalAnchor:
    """``state_dir/journal.anchor``: the last anchor this daemon verified and made durable."""

    def __init__(self, path: Path, keys: JournalKeys) -> None:
        self.path = path
        self._keys = keys

    def read(self) -> tuple[Anchor | None, str | None]:
        """(anchor, problem): nothing and no problem when there is no file yet."""
        try:
            record = json.loads(self.path.read_text())
            anchor = Anchor(int(record["count"]), str(record["head"]))
            key_id, seal = str(record.get("key", "")), record.get("seal")
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return None, f"the local anchor {self.path} is unreadable ({type(exc).__name__})"
        if key_id:
            key = self._keys.lookup(key_id)
            if key is None:
                return anchor, None  # sealed with a key no longer configured: take it as is
            if seal != key.seal(str(anchor).encode()):
                return None, f"the local anchor {self.path} does not carry a valid seal"
        return anchor, None

    def write(self, anchor: Anchor) -> None:
        """Replace the file atomically and durably (written, fsynced, renamed)."""
        record: dict[str, object] = {"count": anchor.count, "head": anchor.head}
        key = self._keys.current
        if key is not None:
            record.update(key=key.id, seal=key.seal(str(anchor).encode()))
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
