"""Counter increases between probes."""

from __future__ import annotations

from watchdog.probes.counters import CounterMemory
from watchdog.samples import LabelSet, Sample


def test_first_call_has_no_increase_then_deltas_and_resets() -> None:
    """None first; then the growth; a counter that went down counts its whole new value."""
    memory = CounterMemory()
    key = LabelSet.of("failures_total", group="a")
    assert memory.increases([Sample("failures_total", 5, {"group": "a"})]) is None
    assert memory.increases([Sample("failures_total", 8, {"group": "a"})]) == {key: 3.0}
    assert memory.increases([Sample("failures_total", 2, {"group": "a"})]) == {key: 2.0}


def test_new_series_wait_and_clear_starts_afresh() -> None:
    """A series first seen now is not counted yet; after clear() nothing is compared."""
    memory = CounterMemory()
    memory.increases([Sample("x_total", 1)])
    assert memory.increases([Sample("x_total", 1), Sample("y_total", 4)]) == {
        LabelSet.of("x_total"): 0.0
    }
    memory.clear()
    assert memory.increases([Sample("x_total", 9)]) is None
