"""What the canary probe remembers between runs, and the rules that turn sightings into verdicts.

Every function here takes the time explicitly, so the semantics are exact and testable:

* a canary is **pending** in a backend until a search finds it (**found** with
  ``lag = seen_at - emitted_at``, or **mangled** when the id is there but the checksum is not),
  or until a run at or after ``emitted_at + deadline`` still has not found it (**lost**);
* ``found`` of a backend is the verdict on its newest decided canary; ``lag`` is the lag of its
  newest found canary; a late find of an older canary never overwrites a newer verdict;
* **divergence** of a backend against the primary is the larger of (a) ``lag - primary lag`` on
  the newest canary both found, and (b) how long ago the primary found a canary this backend
  still has pending — so a backend that falls behind shows it before its canaries arrive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from watchdog.probes.kinds.logcanary.line import CanaryLine, Verdict

__all__ = ["BackendStats", "CanaryState", "Sighting", "TrackedCanary"]

PENDING, FOUND, MANGLED, LOST = "pending", "found", "mangled", "lost"


@dataclass
class Sighting:
    """One canary's fate in one backend."""

    status: str = PENDING
    seen_at: float | None = None


@dataclass
class TrackedCanary:
    """An emitted canary with at least one backend still pending."""

    id: str
    emitted_at: float
    backends: dict[str, Sighting]


@dataclass
class BackendStats:
    """Running totals and the latest verdicts of one backend."""

    found_total: int = 0
    lost_total: int = 0
    mismatches_total: int = 0
    verdict: str | None = None
    verdict_emitted_at: float = -math.inf
    lag: float | None = None
    lag_emitted_at: float = -math.inf
    last_found_at: float | None = None
    lost_emissions: list[float] = field(default_factory=list)
    divergence: float | None = None
    divergence_emitted_at: float = -math.inf


@dataclass
class CanaryState:
    """All canary state of one target (persisted as JSON between restarts)."""

    started_at: float
    emitted_total: int = 0
    last_emit_at: float | None = None
    last_emit_ok: bool | None = None
    canaries: list[TrackedCanary] = field(default_factory=list)
    stats: dict[str, BackendStats] = field(default_factory=dict)

    def sync_backends(self, names: Iterable[str]) -> None:
        """Track exactly ``names``: new backends start empty, removed ones are forgotten."""
        wanted = list(names)
        self.stats = {name: self.stats.get(name) or BackendStats() for name in wanted}
        for canary in self.canaries:
            canary.backends = {n: s for n, s in canary.backends.items() if n in self.stats}
        self.canaries = [c for c in self.canaries if c.backends]

    def emit_blocked(self, now: float, min_interval: float, max_outstanding: int) -> str | None:
        """Why no canary may be emitted at ``now`` (rate limit), or None."""
        if self.last_emit_at is not None and now - self.last_emit_at < min_interval:
            return f"rate limited: last canary {now - self.last_emit_at:.0f}s ago"
        if len(self.canaries) >= max_outstanding:
            return f"{len(self.canaries)} canaries still outstanding (max_outstanding)"
        return None

    def add(self, canary: CanaryLine) -> None:
        """Record a successfully emitted canary, pending in every backend."""
        self.emitted_total += 1
        self.last_emit_at = canary.emitted_at
        backends = {name: Sighting() for name in self.stats}
        self.canaries.append(TrackedCanary(canary.id, canary.emitted_at, backends))

    def pending(self, backend: str) -> list[TrackedCanary]:
        """Canaries still pending in ``backend``, oldest first."""
        return [
            c
            for c in self.canaries
            if backend in c.backends and c.backends[backend].status == PENDING
        ]

    def record(self, backend: str, verdicts: dict[str, Verdict], seen_at: float) -> None:
        """Apply one search's verdicts (absent ids stay pending)."""
        stats = self.stats[backend]
        for canary in self.pending(backend):
            verdict = verdicts.get(canary.id, Verdict.ABSENT)
            if verdict is Verdict.ABSENT:
                continue
            sighting = canary.backends[backend]
            sighting.seen_at = seen_at
            if verdict is Verdict.INTACT:
                sighting.status = FOUND
                stats.found_total += 1
                stats.last_found_at = max(stats.last_found_at or seen_at, seen_at)
                if canary.emitted_at >= stats.lag_emitted_at:
                    stats.lag, stats.lag_emitted_at = seen_at - canary.emitted_at, canary.emitted_at
            else:
                sighting.status = MANGLED
                stats.mismatches_total += 1
            self._set_verdict(stats, canary, sighting.status)

    def expire(self, now: float, deadline: float) -> list[tuple[str, str]]:
        """Declare lost what is still pending ``deadline`` after emission; (backend, id) pairs."""
        lost: list[tuple[str, str]] = []
        for canary in self.canaries:
            if now - canary.emitted_at < deadline:
                continue
            for name, sighting in canary.backends.items():
                if sighting.status == PENDING:
                    sighting.status = LOST
                    stats = self.stats[name]
                    stats.lost_total += 1
                    stats.lost_emissions.append(canary.emitted_at)
                    self._set_verdict(stats, canary, LOST)
                    lost.append((name, canary.id))
        return lost

    def update_divergence(self, primary: str) -> None:
        """Refresh each backend's lag difference on the newest canary it and the primary found."""
        for canary in self.canaries:
            mine = canary.backends.get(primary)
            if mine is None or mine.status != FOUND or mine.seen_at is None:
                continue
            for name, sighting in canary.backends.items():
                stats = self.stats[name]
                if name == primary or sighting.status != FOUND or sighting.seen_at is None:
                    continue
                if canary.emitted_at >= stats.divergence_emitted_at:
                    stats.divergence = sighting.seen_at - mine.seen_at
                    stats.divergence_emitted_at = canary.emitted_at

    def divergence(self, backend: str, primary: str, now: float) -> float | None:
        """Seconds ``backend`` trails ``primary`` (None until there is evidence either way)."""
        behind: list[float] = []
        for canary in self.canaries:
            mine, theirs = canary.backends.get(primary), canary.backends.get(backend)
            if mine is None or theirs is None or mine.seen_at is None:
                continue
            if mine.status == FOUND and theirs.status == PENDING:
                behind.append(now - mine.seen_at)
        candidates = [v for v in (self.stats[backend].divergence, *behind) if v is not None]
        return max(candidates) if candidates else None

    def lost_recently(self, backend: str, now: float, window: float) -> int:
        """Canaries emitted within ``window`` before ``now`` that ``backend`` lost."""
        return sum(1 for t in self.stats[backend].lost_emissions if now - t <= window)

    def prune(self, now: float, window: float) -> None:
        """Drop decided canaries and evidence older than ``window``."""
        self.canaries = [
            c for c in self.canaries if any(s.status == PENDING for s in c.backends.values())
        ]
        for stats in self.stats.values():
            stats.lost_emissions = [t for t in stats.lost_emissions if now - t <= window]
            if now - stats.divergence_emitted_at > window:
                stats.divergence, stats.divergence_emitted_at = None, -math.inf

    @staticmethod
    def _set_verdict(stats: BackendStats, canary: TrackedCanary, status: str) -> None:
        if canary.emitted_at >= stats.verdict_emitted_at:
            stats.verdict, stats.verdict_emitted_at = status, canary.emitted_at
