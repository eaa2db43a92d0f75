"""Window arithmetic, the backlog set, and which windows a run checks in which order."""

from __future__ import annotations

import pytest

from watchdog.probes.kinds.reconcile.state import Policy, StreamState
from watchdog.probes.kinds.reconcile.windows import WindowRanges, first_window, newest_eligible

T = 1_700_000_040  # a minute boundary


def _policy(**changes: object) -> Policy:
    fields: dict[str, object] = {
        "window": 60,
        "settle": 300.0,
        "max_settle": 1200.0,
        "lookback": 600.0,
        "per_run": 4,
        "primary": "loki",
        "retention": {},
    }
    fields.update(changes)
    return Policy(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "newest"),
    [(T + 360, T), (T + 359.999, T - 60), (T + 419, T), (T + 420, T + 60)],
)
def test_a_window_is_eligible_exactly_settle_after_its_end(now, newest):
    """[T, T+60) ends at T+60 and is eligible from T+60+300 on, not a millisecond before."""
    assert newest_eligible(now, 60, 300.0) == newest


def test_first_window_starts_at_or_after_the_instant():
    """Windows are aligned to the epoch."""
    assert first_window(T, 60) == T
    assert first_window(T + 0.5, 60) == T + 60


def test_ranges_merge_split_and_drop():
    """Adjacent ranges merge, taking one out splits, dropping trims; the length follows."""
    ranges = WindowRanges(60)
    ranges.add(T, T + 120)
    ranges.add(T + 180, T + 240)  # adjacent: one range
    assert (len(ranges), ranges.oldest(), ranges.newest()) == (5, T, T + 240)
    ranges.discard(T + 120)
    assert len(ranges) == 4
    assert ranges.drop_before(T + 90) == 2  # T and T+60
    assert (len(ranges), ranges.oldest()) == (2, T + 180)
    ranges.add(T + 600, T + 540)  # empty
    assert len(ranges) == 2


def _state(now: float, policy: Policy) -> tuple[StreamState, int | None]:
    state = StreamState("k", 60, "loki")
    state.sync_backends(["loki", "es"])
    return state, state.advance(now, policy)


def test_the_first_run_checks_the_live_window_then_the_oldest():
    """Live first (the freshest verdict), then catch-up oldest first, at most per_run."""
    policy = _policy()
    state, live = _state(T + 1200, policy)  # eligible: T+600 … T+840 (lookback 10 min)
    assert live == T + 840
    chosen = [w.start for w in state.select(T + 1200, policy, live)]
    assert chosen == [T + 840, T + 600, T + 660, T + 720]
    assert len(state.backlog) == 1


def test_overdue_windows_get_their_last_chance_before_rechecks():
    """Windows past max_settle come right after the live one; re-checks and backlog alternate."""
    policy = _policy(per_run=10)
    state, live = _state(T + 1200, policy)
    first = state.select(T + 1200, policy, live)
    for window in first:
        window.waiting["es"].short_since = T + 1200  # all found incomplete
    later = T + 1200 + 1260  # T+600 … T+720 are past end + max_settle now
    live = state.advance(later, policy)
    starts = [w.start for w in state.select(later, policy, live)]
    assert starts[0] == live
    assert starts[1:4] == [T + 600, T + 660, T + 720]
    assert set(starts) >= {T + 780, T + 840}


def test_windows_beyond_a_retention_are_skipped_and_counted():
    """A window only the primary still keeps has nothing to compare: skipped, counted; one the
    primary no longer keeps leaves the backlog."""
    policy = _policy(retention={"es": 1500.0}, lookback=3000.0)
    state, live = _state(T + 2000, policy)  # eligible T-960 … T+1620; es keeps T+500 on
    chosen = [w.start for w in state.select(T + 2000, policy, live)]
    assert chosen == [T + 1620, T + 540, T + 600, T + 660]
    assert state.beyond_retention == 25  # T-960 … T+480
    policy = _policy(retention={"loki": 1500.0}, lookback=3000.0)
    state, live = _state(T + 2000, policy)
    chosen = [w.start for w in state.select(T + 2000, policy, live)]
    assert chosen == [T + 1620, T + 540, T + 600, T + 660]
    assert state.beyond_retention == 25
