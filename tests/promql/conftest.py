"""Shared helpers for the PromQL tests: a store filled from a compact description."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from watchdog.promql import Query, Scalar, String, Vector, evaluate
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

Points = Sequence[tuple[float, float | None]]
StoreFactory = Callable[[Mapping[LabelSet, Points]], SampleStore]


@pytest.fixture
def make_store() -> StoreFactory:
    """Build a SampleStore holding the given points (``None`` is a staleness marker)."""

    def build(series: Mapping[LabelSet, Points]) -> SampleStore:
        store = SampleStore()
        store.configure_retention(None, 86400.0)
        for labels, points in series.items():
            for ts, value in points:
                store.append(labels, ts, value)
        return store

    return build


def run(expr: str, store: SampleStore, ts: float) -> Vector | Scalar | String:
    """Parse and evaluate ``expr`` at ``ts``."""
    return evaluate(Query.parse(expr), store, ts)


def vector(expr: str, store: SampleStore, ts: float) -> dict[LabelSet, float]:
    """Evaluate an instant-vector expression into {labels: value}."""
    result = run(expr, store, ts)
    assert isinstance(result, list), result
    return {s.labels: s.value for s in result}
