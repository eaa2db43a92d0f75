"""What a reconcile target remembers per stream, and the rules that judge a window.

Every function takes the time explicitly, so the semantics are exact and testable:

* a window ``[start, start + window)`` becomes **eligible** once it ended ``settle`` ago; until
  then nothing is compared (the backends are allowed to be eventually consistent);
* an eligible window is **checked** by counting its records in the primary and in every backend
  still waiting for it (within both retentions); a backend with at least the primary's count
  (and, with the content check, every id the primary has) is **reconciled** there and never
  asked again; one with fewer is **incomplete** and re-checked on later runs;
* a backend that reconciles after having been incomplete counts as **late**, with its catch-up
  time (window end to the run that saw it complete): eventual completeness, measured;
* a backend still incomplete when a check at or after ``end + max_settle`` runs is given up:
  **unreconciled**, its shortfall added to the missing records; one that could never be
  compared (its or the primary's queries kept failing) is **uncompared**.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from watchdog.probes.kinds.reconcile.windows import WindowRanges, first_window, newest_eligible

__all__ = ["Policy", "StreamState", "Tally", "Wait", "Window"]


@dataclass(frozen=True)
class Policy:
    """The timing rules of one target (from its config)."""

    window: int
    settle: float
    max_settle: float
    lookback: float
    per_run: int
    primary: str
    retention: dict[str, float | None]

    def within_retention(self, backend: str, start: int, now: float) -> bool:
        """True when ``backend`` still keeps the window starting at ``start``."""
        kept = self.retention.get(backend)
        return kept is None or start >= now - kept

    def overdue(self, start: int, now: float) -> bool:
        """True once the window's ``max_settle`` has passed."""
        return now >= start + self.window + self.max_settle


@dataclass
class Wait:
    """One backend's state in one window it has not reconciled yet."""

    count: int | None = None
    short_since: float | None = None
    missing_ids: list[str] = field(default_factory=list)
    """The first few ids the primary has and this backend lacks (content check)."""
    missing_id_count: int = 0
    ids_checked_at: tuple[int, int] | None = None
    """(primary count, backend count) of the last content comparison."""


@dataclass
class Window:
    """An eligible window that some backend has not reconciled yet."""

    start: int
    waiting: dict[str, Wait]
    primary: int | None = None
    last_checked: float = -math.inf


@dataclass
class Tally:
    """One backend's figures for one stream."""

    records: int | None = None
    records_start: float = -math.inf
    missing_ratio: float | None = None
    extra: int | None = None
    compared_start: float = -math.inf
    query_ok: bool | None = None
    query_error: str | None = None
    content_match: bool | None = None
    content_start: float = -math.inf
    catch_up: float | None = None
    catch_up_at: float = -math.inf
    ever_compared: bool = False
    unreconciled_total: int = 0
    uncompared_total: int = 0
    missing_records_total: int = 0
    late_total: int = 0

    def saw(self, start: int, count: int) -> None:
        """A count of this backend for the window ``start``."""
        if start >= self.records_start:
            self.records, self.records_start = count, start


@dataclass
class StreamState:
    """One stream's windows and tallies; reset when ``key`` (what its windows mean) changes."""

    key: str
    window: int
    primary: str
    frontier: int | None = None
    """Start of the first window not yet eligible."""
    backlog: WindowRanges = field(init=False)
    pending: dict[int, Window] = field(default_factory=dict)
    tallies: dict[str, Tally] = field(default_factory=dict)
    beyond_retention: int = 0

    def __post_init__(self) -> None:
        self.backlog = WindowRanges(self.window)

    def sync_backends(self, names: Iterable[str]) -> None:
        """Track exactly ``names``; removed backends are forgotten, new ones start empty."""
        wanted = list(names)
        self.tallies = {name: self.tallies.get(name) or Tally() for name in wanted}
        for window in self.pending.values():
            window.waiting = {n: w for n, w in window.waiting.items() if n in self.tallies}

    def advance(self, now: float, policy: Policy) -> int | None:
        """Make newly eligible windows checkable; the newest of them (the live window) or None."""
        newest = newest_eligible(now, self.window, policy.settle)
        if self.frontier is None:
            low = first_window(now - policy.lookback, self.window)
        else:
            low = self.frontier
        if newest < low:
            return None
        self.backlog.add(low, newest)
        self.frontier = newest + self.window
        return newest

    def select(self, now: float, policy: Policy, live: int | None) -> list[Window]:
        """The windows to check in this run, most useful first, at most ``per_run``.

        The live window first (the freshest verdict); then windows whose ``max_settle`` has
        passed (their last chance), oldest first; then re-checks of incomplete windows (least
        recently checked first) alternating with the catch-up backlog (oldest first).
        """
        self._drop_beyond_retention(now, policy)
        chosen: list[Window] = []
        if live is not None and self.backlog.newest() == live:
            self._take(live, policy, now, chosen)
        waiting = [w for w in self.pending.values() if not chosen or w is not chosen[0]]
        overdue = sorted((w for w in waiting if policy.overdue(w.start, now)), key=_start)
        chosen.extend(overdue[: policy.per_run - len(chosen)])
        taken = {w.start for w in chosen}
        rechecks = sorted(
            (w for w in waiting if w.start not in taken), key=lambda w: (w.last_checked, w.start)
        )
        while len(chosen) < policy.per_run and (rechecks or self.backlog):
            if rechecks:
                chosen.append(rechecks.pop(0))
            oldest = self.backlog.oldest()
            if oldest is not None and len(chosen) < policy.per_run:
                self._take(oldest, policy, now, chosen)
        return chosen

    def _take(self, start: int, policy: Policy, now: float, chosen: list[Window]) -> None:
        self.backlog.discard(start)
        waiting = {
            name: Wait()
            for name in self.tallies
            if name != self.primary and policy.within_retention(name, start, now)
        }
        if not waiting:
            self.beyond_retention += 1
            return
        window = Window(start, waiting)
        self.pending[start] = window
        chosen.append(window)

    def _drop_beyond_retention(self, now: float, policy: Policy) -> None:
        kept = policy.retention.get(self.primary)
        if kept is not None:
            self.beyond_retention += self.backlog.drop_before(now - kept)

    def record_primary(self, window: Window, count: int) -> None:
        """The primary's count for ``window``."""
        window.primary = count
        self.tallies[self.primary].saw(window.start, count)

    def record_count(self, window: Window, backend: str, count: int) -> bool | None:
        """A backend's count for ``window``: True when it has at least the primary's count,
        False when fewer, None when there is no primary count to compare with."""
        tally = self.tallies[backend]
        tally.saw(window.start, count)
        wait = window.waiting[backend]
        wait.count = count
        if window.primary is None:
            return None
        tally.ever_compared = True
        if window.start >= tally.compared_start:
            primary = window.primary
            tally.compared_start = window.start
            tally.missing_ratio = max(0, primary - count) / primary if primary else 0.0
            tally.extra = max(0, count - primary)
        return count >= window.primary

    def judge(self, window: Window, backend: str, now: float, complete: bool) -> None:
        """Record the verdict of a comparison: reconciled (late or not) or still incomplete."""
        wait = window.waiting[backend]
        tally = self.tallies[backend]
        if complete:
            del window.waiting[backend]
            if wait.short_since is not None:
                tally.late_total += 1
                took = now - (window.start + self.window)
                if tally.catch_up_at == now and tally.catch_up is not None:
                    took = max(took, tally.catch_up)
                tally.catch_up, tally.catch_up_at = took, now
        elif wait.short_since is None:
            wait.short_since = now

    def give_up(self, window: Window, backend: str, now: float, policy: Policy) -> bool:
        """After a check at or past ``max_settle``: stop waiting; True if it was given up."""
        wait = window.waiting.get(backend)
        if wait is None or not policy.overdue(window.start, now):
            return False
        self._give_up(window, backend, wait)
        return True

    def expire_stale(self, now: float, policy: Policy) -> int:
        """Give up windows that could not even be checked for another ``max_settle`` after
        their own (a backend hanging in every run): a bound on memory. How many."""
        expired = 0
        for window in self.pending.values():
            if now >= window.start + self.window + 2 * policy.max_settle:
                for backend, wait in list(window.waiting.items()):
                    self._give_up(window, backend, wait)
                    expired += 1
        return expired

    def _give_up(self, window: Window, backend: str, wait: Wait) -> None:
        del window.waiting[backend]
        tally = self.tallies[backend]
        if wait.count is None or window.primary is None:
            tally.uncompared_total += 1
            return
        tally.unreconciled_total += 1
        shortfall = window.primary - wait.count
        tally.missing_records_total += shortfall if shortfall > 0 else wait.missing_id_count

    def settle_pending(self) -> None:
        """Forget windows nobody waits for any more."""
        self.pending = {s: w for s, w in self.pending.items() if w.waiting}

    def incomplete(self, backend: str) -> list[Window]:
        """Windows compared and found incomplete in ``backend``, oldest first."""
        return sorted(
            (
                w
                for w in self.pending.values()
                if backend in w.waiting and w.waiting[backend].short_since is not None
            ),
            key=_start,
        )

    def complete_until(self, backend: str) -> float | None:
        """Start of the oldest window ``backend`` has not reconciled, or the frontier when all
        checked windows are reconciled; None before any comparison."""
        starts = [w.start for w in self.pending.values() if backend in w.waiting]
        if starts:
            return float(min(starts))
        if self.tallies[backend].ever_compared and self.frontier is not None:
            return float(self.frontier)
        return None


def _start(window: Window) -> int:
    return window.start
