"""Canary state survives a restart through state_dir."""

from __future__ import annotations

from watchdog.probes.kinds.logcanary.line import DEFAULT_TAG, Verdict, make_canary
from watchdog.probes.kinds.logcanary.persist import StateFile
from watchdog.probes.kinds.logcanary.state import CanaryState

T0 = 1_700_000_000.0


def test_round_trip(tmp_path):
    """Outstanding canaries and totals come back identical after save and load."""
    state = CanaryState(started_at=T0)
    state.sync_backends(["loki", "es"])
    first, second = make_canary(DEFAULT_TAG, "s", T0), make_canary(DEFAULT_TAG, "s", T0 + 15)
    state.add(first)
    state.add(second)
    state.record("loki", {first.id: Verdict.INTACT}, T0 + 3)
    state.expire(T0 + 200, 120)
    store = StateFile(tmp_path, "canary/host")
    store.save(state)
    loaded, problem = store.load(T0 + 999)
    assert problem is None
    assert loaded == state


def test_missing_file_starts_fresh(tmp_path):
    """No state file yet: a fresh state starting now, and no complaint."""
    state, problem = StateFile(tmp_path, "k").load(T0)
    assert (state.started_at, state.emitted_total, problem) == (T0, 0, None)


def test_corrupt_file_starts_fresh_with_a_reason(tmp_path):
    """A damaged state file is not fatal: fresh state and the reason."""
    store = StateFile(tmp_path, "k")
    store.path.parent.mkdir(parents=True)
    store.path.write_text('{"version": 1, "state": {"started_at": "x"')
    state, problem = store.load(T0)
    assert state.emitted_total == 0
    assert problem is not None
    assert "unreadable" in problem
    store.path.write_text('{"version": 1, "state": {"canaries": 3}}')
    _, problem = store.load(T0)
    assert problem is not None
    assert "malformed" in problem
