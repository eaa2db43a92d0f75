"""The canary line: a unique id (time + random nonce), a source, and a checksum.

``MONITOR_WATCHDOG_CANARY id=1700000000123-9f8e7d6c5b4a3921 src=log-canary_host sum=3b1f…``

* ``id`` is the emission time in Unix milliseconds and a 64-bit random nonce: unique across
  restarts and across watchdogs, sortable, and only ``[0-9a-f-]`` so no shipper escapes it and a
  search backend's tokenizer splits it predictably.
* ``src`` names the emitting target (job and instance), reduced to ``[A-Za-z0-9_.:-]``.
* ``sum`` is the first 16 hex digits of SHA-256 over everything before `` sum=``; a backend
  that stored the line altered (truncated, re-encoded, a byte flipped) fails the check.

The line is found inside whatever the backend returns (a JSON-wrapped ``{"log": "…"}`` record,
a syslog-prefixed message), so a shipper's framing does not count as mangling.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "DEFAULT_TAG",
    "TAG_PATTERN",
    "CanaryLine",
    "Verdict",
    "make_canary",
    "safe_source",
    "verify_in",
]

DEFAULT_TAG = "MONITOR_WATCHDOG_CANARY"
TAG_PATTERN = r"^[A-Za-z0-9_.:-]{1,40}$"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")
_SUM_DIGITS = 16


class Verdict(Enum):
    """What a backend's answer says about one canary."""

    ABSENT = "absent"
    INTACT = "intact"
    MANGLED = "mangled"


@dataclass(frozen=True)
class CanaryLine:
    """One emitted canary."""

    id: str
    emitted_at: float
    text: str


def safe_source(text: str, limit: int = 64) -> str:
    """``text`` with every character outside ``[A-Za-z0-9_.:-]`` replaced by ``_``."""
    return _UNSAFE.sub("_", text)[:limit] or "_"


def _checksum(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:_SUM_DIGITS]


def make_canary(tag: str, source: str, now: float, nonce: str | None = None) -> CanaryLine:
    """A new canary emitted at ``now`` (the nonce is random unless given, for tests)."""
    canary_id = f"{round(now * 1000)}-{nonce or secrets.token_hex(8)}"
    body = f"{tag} id={canary_id} src={safe_source(source)}"
    return CanaryLine(canary_id, now, f"{body} sum={_checksum(body)}")


def verify_in(text: str, tag: str, canary_id: str) -> Verdict:
    """Judge the canary ``canary_id`` inside a backend's text.

    Absent when the id does not occur; intact when some occurrence carries a matching checksum;
    mangled when the id occurs but no occurrence is a well-formed line with the right checksum.
    """
    if canary_id not in text:
        return Verdict.ABSENT
    pattern = re.compile(
        re.escape(f"{tag} id={canary_id} src=") + r"(\S+?) sum=([0-9a-f]+)(?![0-9a-f])"
    )
    for match in pattern.finditer(text):
        body = f"{tag} id={canary_id} src={match.group(1)}"
        if match.group(2) == _checksum(body):
            return Verdict.INTACT
    return Verdict.MANGLED
