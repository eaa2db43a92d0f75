"""Journal keys: with one, entry hashes are HMAC-SHA256, so nobody without it can re-hash.

An unkeyed chain proves order, not origin: whoever can write ``journal.db`` can rewrite an
entry and every hash after it. With ``journal.hmac_key_file`` each new entry is sealed with
the key and names the key it was sealed with (an id derived from the key; the key itself is
stored nowhere in the journal). A forger without the key can still delete or truncate, which
the shipped anchors catch (see ``anchor``), but cannot forge or re-hash an entry.

Rotation: put the new key in ``hmac_key_file`` and the old one in ``retired_key_files``; new
entries use the new key, old ones still verify. An entry sealed with a key that is not
configured cannot be verified, and ``verify`` says so instead of calling it intact or
tampered.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["NO_KEYS", "JournalKey", "JournalKeys"]

_ID_CONTEXT = b"monitor-watchdog journal key id"


@functools.lru_cache(maxsize=8)
def _keyed(secret: bytes) -> hmac.HMAC:
    return hmac.new(secret, digestmod=hashlib.sha256)


@dataclass(frozen=True)
class JournalKey:
    """One HMAC key and its public id."""

    secret: bytes
    id: str

    @classmethod
    def of(cls, secret: str) -> JournalKey:
        """A key from its text (as read from the key file, stripped)."""
        raw = secret.encode()
        return cls(raw, hmac.new(raw, _ID_CONTEXT, hashlib.sha256).hexdigest()[:16])

    def seal(self, material: bytes) -> str:
        """HMAC-SHA256 of ``material`` as hex."""
        mac = _keyed(self.secret).copy()  # the keyed state is computed once per key
        mac.update(material)
        return mac.hexdigest()

    def __repr__(self) -> str:
        return f"JournalKey(id={self.id!r})"


@dataclass(frozen=True)
class JournalKeys:
    """The key new entries are sealed with (if any) and the retired keys that still verify."""

    current: JournalKey | None = None
    retired: tuple[JournalKey, ...] = ()

    @classmethod
    def of(cls, current: str | None, retired: list[str] | tuple[str, ...] = ()) -> JournalKeys:
        """Keys from their texts."""
        return cls(
            JournalKey.of(current) if current is not None else None,
            tuple(JournalKey.of(text) for text in retired),
        )

    def lookup(self, key_id: str) -> JournalKey | None:
        """The key with this id, current or retired."""
        for key in (self.current, *self.retired):
            if key is not None and key.id == key_id:
                return key
        return None

    @property
    def ids(self) -> list[str]:
        """Ids of every configured key, current first."""
        return [key.id for key in (self.current, *self.retired) if key is not None]


NO_KEYS = JournalKeys()
"""An unkeyed journal: plain SHA-256 chain."""
