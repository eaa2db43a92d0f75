"""A silence, in Alertmanager's shape: matchers, a time window, who and why.

Silences come from two places: **mirrored** from an Alertmanager replica (``source`` is that
replica), and **local** ones added with ``monitor-watchdog silence add`` or the API (``source``
``local``). A silence applies while ``startsAt <= now < endsAt``; like Alertmanager's, every
matcher must match the alert's labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from watchdog.alerts import iso_time
from watchdog.notify.matchers import Matcher, MatcherError, matchers_from_api, matches_all

__all__ = [
    "LOCAL",
    "Silence",
    "SilenceError",
    "SilenceNotFoundError",
    "SilenceState",
    "parse_time",
]

LOCAL = "local"
SilenceState = Literal["pending", "active", "expired"]

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


class SilenceError(ValueError):
    """A silence that cannot be used; the message says why."""


class SilenceNotFoundError(SilenceError):
    """No silence has that id."""


def parse_time(text: object, what: str) -> float:
    """An RFC 3339 timestamp (Alertmanager's, up to nanoseconds) as Unix seconds."""
    found = _RFC3339.match(text) if isinstance(text, str) else None
    if found is None:
        raise SilenceError(f"{what}: not an RFC 3339 time: {str(text)[:40]!r}")
    day, clock, fraction, zone = found.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}{zone}")
    except ValueError as exc:
        raise SilenceError(f"{what}: {exc}") from None
    return moment.timestamp() + (float(fraction) if fraction else 0.0)


@dataclass(frozen=True)
class Silence:
    """One silence; ``id`` is Alertmanager's (mirrored) or a UUID (local)."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    updated_at: float
    source: str = LOCAL

    def state(self, now: float) -> SilenceState:
        """``pending`` before it starts, ``active`` in its window, ``expired`` after."""
        if now < self.starts_at:
            return "pending"
        return "active" if now < self.ends_at else "expired"

    def silences(self, labels: Mapping[str, str], now: float) -> bool:
        """Whether it is active at ``now`` and matches ``labels``."""
        return self.state(now) == "active" and matches_all(self.matchers, labels)

    def expired_at(self, now: float) -> Silence:
        """This silence ended at ``now`` (a pending one never starts)."""
        return replace(
            self, starts_at=min(self.starts_at, now), ends_at=min(self.ends_at, now), updated_at=now
        )

    def to_api(self, now: float) -> dict[str, Any]:
        """Alertmanager's ``gettableSilence`` JSON, plus ``source``."""
        return {
            "id": self.id,
            "status": {"state": self.state(now)},
            "updatedAt": iso_time(self.updated_at),
            "matchers": [m.to_api() for m in self.matchers],
            "startsAt": iso_time(self.starts_at),
            "endsAt": iso_time(self.ends_at),
            "createdBy": self.created_by,
            "comment": self.comment,
            "source": self.source,
        }

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, source: str, now: float) -> Silence:
        """A silence from Alertmanager's API JSON (or our own file, which uses the same form)."""
        if not isinstance(data, Mapping):
            raise SilenceError("a silence must be a JSON object")
        matchers = data.get("matchers")
        if not isinstance(matchers, list) or not matchers:
            raise SilenceError("matchers: at least one matcher is required")
        try:
            parsed = tuple(matchers_from_api(matchers))
        except MatcherError as exc:
            raise SilenceError(f"matchers: {exc}") from None
        starts = parse_time(data.get("startsAt"), "startsAt")
        ends = parse_time(data.get("endsAt"), "endsAt")
        updated = data.get("updatedAt")
        return cls(
            id=str(data.get("id") or ""),
            matchers=parsed,
            starts_at=starts,
            ends_at=ends,
            created_by=str(data.get("createdBy") or ""),
            comment=str(data.get("comment") or ""),
            updated_at=parse_time(updated, "updatedAt") if updated else now,
            source=source,
        )

    def check_new(self, now: float) -> None:
        """Alertmanager's checks for a new silence; ``SilenceError`` names the first problem."""
        if not self.matchers:
            raise SilenceError("at least one matcher is required")
        if all(m.matches({}) for m in self.matchers):
            raise SilenceError(
                "at least one matcher must not match the empty string"
                " (a silence must not silence every alert)"
            )
        if self.ends_at <= self.starts_at:
            raise SilenceError("endsAt must be after startsAt")
        if self.ends_at <= now:
            raise SilenceError("endsAt is in the past")
        if not self.created_by.strip():
            raise SilenceError("createdBy (the author) is required")
        if not self.comment.strip():
            raise SilenceError("a comment is required")
