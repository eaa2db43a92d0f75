"""Verdict semantics of the canary state, with explicit times."""

from __future__ import annotations

from watchdog.probes.kinds.logcanary.line import DEFAULT_TAG, Verdict, make_canary
from watchdog.probes.kinds.logcanary.state import CanaryState

T0 = 1_700_000_000.0
DEADLINE = 120.0


def _state(*backends: str) -> CanaryState:
    state = CanaryState(started_at=T0)
    state.sync_backends(backends)
    return state


def _emit(state: CanaryState, at: float) -> str:
    canary = make_canary(DEFAULT_TAG, "src", at)
    state.add(canary)
    return canary.id


def test_found_sets_lag_and_verdict():
    """A canary found 12 s after emission: verdict found, lag 12 s, no longer pending."""
    state = _state("loki")
    cid = _emit(state, T0)
    state.record("loki", {cid: Verdict.INTACT}, T0 + 12)
    stats = state.stats["loki"]
    assert (stats.verdict, stats.lag, stats.found_total) == ("found", 12.0, 1)
    assert state.pending("loki") == []


def test_absent_stays_pending_until_the_deadline():
    """Not found before the deadline is pending; at the deadline it is lost, once."""
    state = _state("loki")
    cid = _emit(state, T0)
    state.record("loki", {cid: Verdict.ABSENT}, T0 + 60)
    assert state.expire(T0 + DEADLINE - 0.001, DEADLINE) == []
    assert state.expire(T0 + DEADLINE, DEADLINE) == [("loki", cid)]
    assert state.expire(T0 + DEADLINE + 15, DEADLINE) == []
    stats = state.stats["loki"]
    assert (stats.verdict, stats.lost_total) == ("lost", 1)
    assert state.lost_recently("loki", T0 + 200, window=3600) == 1
    assert state.lost_recently("loki", T0 + 3601, window=3600) == 0


def test_mangled_counts_a_mismatch_and_is_not_found():
    """A mangled sighting: mismatch counted, verdict mangled, never lost later."""
    state = _state("es")
    cid = _emit(state, T0)
    state.record("es", {cid: Verdict.MANGLED}, T0 + 5)
    assert state.expire(T0 + 500, DEADLINE) == []
    stats = state.stats["es"]
    assert (stats.verdict, stats.mismatches_total, stats.lag) == ("mangled", 1, None)


def test_late_find_of_an_older_canary_keeps_the_newer_verdict():
    """Verdict and lag follow the newest canary, not the order of sightings."""
    state = _state("loki")
    old, new = _emit(state, T0), _emit(state, T0 + 15)
    state.record("loki", {new: Verdict.INTACT}, T0 + 20)
    state.record("loki", {old: Verdict.INTACT}, T0 + 40)
    stats = state.stats["loki"]
    assert stats.lag == 5.0
    assert stats.last_found_at == T0 + 40


def test_divergence_from_a_common_canary():
    """Secondary found 40 s after the primary: divergence 40."""
    state = _state("loki", "es")
    cid = _emit(state, T0)
    state.record("loki", {cid: Verdict.INTACT}, T0 + 10)
    state.record("es", {cid: Verdict.INTACT}, T0 + 50)
    state.update_divergence("loki")
    assert state.divergence("es", "loki", T0 + 50) == 40.0


def test_divergence_grows_while_the_secondary_has_not_caught_up():
    """Before the secondary finds it, divergence is how long ago the primary did."""
    state = _state("loki", "es")
    cid = _emit(state, T0)
    assert state.divergence("es", "loki", T0 + 5) is None
    state.record("loki", {cid: Verdict.INTACT}, T0 + 10)
    assert state.divergence("es", "loki", T0 + 45) == 35.0


def test_emission_rate_limit_and_outstanding_cap():
    """No second canary within min_interval; none while max_outstanding are pending."""
    state = _state("loki")
    _emit(state, T0)
    assert state.emit_blocked(T0 + 5, min_interval=10, max_outstanding=5) is not None
    assert state.emit_blocked(T0 + 10, min_interval=10, max_outstanding=5) is None
    assert state.emit_blocked(T0 + 10, min_interval=10, max_outstanding=1) is not None


def test_backends_removed_from_config_are_forgotten():
    """sync_backends drops a removed backend's stats and its pending sightings."""
    state = _state("loki", "es")
    _emit(state, T0)
    state.sync_backends(["loki"])
    assert list(state.stats) == ["loki"]
    assert all(list(c.backends) == ["loki"] for c in state.canaries)


def test_prune_keeps_only_pending_canaries():
    """Decided canaries are dropped after the run; pending ones stay."""
    state = _state("loki")
    done, waiting = _emit(state, T0), _emit(state, T0 + 15)
    state.record("loki", {done: Verdict.INTACT}, T0 + 20)
    state.prune(T0 + 20, window=3600)
    assert [c.id for c in state.canaries] == [waiting]
