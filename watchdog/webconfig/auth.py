"""Basic authentication against the web config's bcrypt hashes, without stalling the loop.

bcrypt is slow on purpose (about 50 ms at cost 10), so checks run in a small thread pool,
and a credential that passed is remembered (by a SHA-256 of user, hash and password, as
exporter-toolkit caches it) so a scraping Prometheus pays once, not every 15 s. An unknown
user is checked against a dummy hash so timing does not tell which users exist. At most
``max_pending`` checks wait at once: a flood of wrong passwords is answered "busy" (503)
instead of queueing CPU work, while remembered credentials still pass at once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import bcrypt

__all__ = ["AuthOutcome", "BasicAuthChecker"]

AuthOutcome = Literal["ok", "missing", "wrong", "busy"]
_REMEMBERED = 1024
_DUMMY = bcrypt.hashpw(b"not a password anyone has", bcrypt.gensalt(rounds=10))


def _credentials(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None
    return user.decode("utf-8", "replace"), password


class BasicAuthChecker:
    """Checks ``Authorization: Basic`` headers against user -> bcrypt hash maps."""

    def __init__(self, *, threads: int = 2, max_pending: int = 16) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bcrypt")
        self._max_pending = max_pending
        self._pending = 0
        self._passed: OrderedDict[bytes, None] = OrderedDict()

    async def check(self, users: dict[str, bytes], header: str | None) -> AuthOutcome:
        """``ok``, ``missing`` (no usable Basic credentials), ``wrong`` or ``busy``."""
        given = _credentials(header)
        if given is None:
            return "missing"
        user, password = given
        hashed = users.get(user)
        key = hashlib.sha256(user.encode() + b"\0" + (hashed or b"") + b"\0" + password).digest()
        if hashed is not None and key in self._passed:
            self._passed.move_to_end(key)
            return "ok"
        if self._pending >= self._max_pending:
            return "busy"
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            matched = await loop.run_in_executor(
                self._pool, bcrypt.checkpw, password, hashed or _DUMMY
            )
        except ValueError:  # a hash bcrypt cannot read (the loader checks their shape)
            matched = False
        finally:
            self._pending -= 1
        if not matched or hashed is None:
            return "wrong"
        self._passed[key] = None
        while len(self._passed) > _REMEMBERED:
            self._passed.popitem(last=False)
        return "ok"

    def forget(self) -> None:
        """Drop remembered credentials (the users changed)."""
        self._passed.clear()

    def close(self) -> None:
        """Stop the thread pool."""
        self._pool.shutdown(wait=False, cancel_futures=True)
