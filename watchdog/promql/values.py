"""Result values of PromQL evaluation and the source of series they are computed from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol

from watchdog.promql.errors import PromQLError
from watchdog.samples import METRIC_NAME, LabelSet
from watchdog.store import InstantPoint, Matcher, SeriesPoints

__all__ = [
    "Matrix",
    "Scalar",
    "SeriesSource",
    "String",
    "Vector",
    "VectorSample",
    "drop_name",
    "ensure_unique",
]


class SeriesSource(Protocol):
    """Where selectors read series from; :class:`watchdog.store.SampleStore` satisfies it."""

    def instant(
        self, matchers: Sequence[Matcher], ts: float, lookback: float | None = None
    ) -> list[InstantPoint]:
        """Latest non-stale point of each matching series in ``[ts - lookback, ts]``."""
        ...

    def range(self, matchers: Sequence[Matcher], start: float, end: float) -> list[SeriesPoints]:
        """Non-stale points of each matching series in the closed interval ``[start, end]``."""
        ...


class VectorSample(NamedTuple):
    """One element of an instant vector (``__name__`` absent where PromQL drops it)."""

    labels: LabelSet
    value: float


Vector = list[VectorSample]
Matrix = list[SeriesPoints]


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar result."""

    value: float


@dataclass(frozen=True, slots=True)
class String:
    """A string result."""

    value: str


def drop_name(labels: LabelSet) -> LabelSet:
    """``labels`` without the metric name (cached: rules drop the same names every round)."""
    return _without_name(labels)


@lru_cache(maxsize=1 << 18)
def _without_name(labels: LabelSet) -> LabelSet:
    return labels.without(METRIC_NAME) if METRIC_NAME in labels else labels


def ensure_unique(labelsets: Iterable[LabelSet]) -> None:
    """Refuse a vector in which two elements carry the same labels, as Prometheus does."""
    seen: set[LabelSet] = set()
    for labels in labelsets:
        if labels in seen:
            raise PromQLError(
                f"vector cannot contain metrics with the same labelset (found {labels.promql()} "
                "twice, e.g. after the metric name was dropped)"
            )
        seen.add(labels)
