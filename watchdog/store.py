"""The sample store: recent points per series, with Prometheus staleness.

Each series keeps parallel lists of timestamps and values. A value of ``None`` is a staleness
marker (Prometheus writes a special NaN; ``None`` keeps real NaN values distinguishable). Memory is
bounded two ways: a series whose metric name no consumer retains keeps only its latest point, and
retained series keep only the points inside the longest window any consumer asked for.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from watchdog.samples import METRIC_NAME, LabelSet
from watchdog.userregex import Regex, compile_regex

__all__ = [
    "DEFAULT_LOOKBACK",
    "InstantPoint",
    "Matcher",
    "SampleStore",
    "SeriesPoints",
]

DEFAULT_LOOKBACK = 300.0
_MEMO_LIMIT = 1024
MatchOp = Literal["=", "!=", "=~", "!~"]


@dataclass(frozen=True, slots=True)
class Matcher:
    """A label matcher with PromQL semantics.

    Regexes are RE2 (:mod:`watchdog.userregex`), anchored as Prometheus anchors them
    (``^(?:re)$``); an invalid one raises :class:`~watchdog.userregex.RegexError`. Answers are
    memoised per label value (up to 1,024 values per matcher): label values repeat across series
    and evaluations, and a dict lookup is cheaper than a call into RE2.
    """

    label: str
    op: MatchOp
    value: str
    _regex: Regex | None = field(default=None, compare=False, repr=False)
    _memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", compile_regex(self.value, anchored=True))

    def matches(self, value: str) -> bool:
        """Whether a label value (``""`` for an absent label) satisfies the matcher."""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = self._memo.get(value)
        if found is None:
            assert self._regex is not None
            found = self._regex.matches(value) == (self.op == "=~")
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[value] = found
        return found


class InstantPoint(NamedTuple):
    """The value of one series at an evaluation instant."""

    labels: LabelSet
    timestamp: float
    value: float


class SeriesPoints(NamedTuple):
    """The points of one series inside a range."""

    labels: LabelSet
    points: list[tuple[float, float]]


class _Series:
    __slots__ = ("labels", "times", "values")

    def __init__(self, labels: LabelSet) -> None:
        self.labels = labels
        self.times: list[float] = []
        self.values: list[float | None] = []

    def append(self, ts: float, value: float | None, keep_from: float | None) -> bool:
        """Add a point; ``keep_from`` None keeps only the latest. False if out of order."""
        if self.times and ts <= self.times[-1]:
            if ts == self.times[-1] and value is None and self.values[-1] is not None:
                return False  # a marker never overwrites a real value at the same instant
            if ts < self.times[-1]:
                return False
            self.values[-1] = value
            return True
        self.times.append(ts)
        self.values.append(value)
        if keep_from is None:
            if len(self.times) > 1:
                del self.times[:-1]
                del self.values[:-1]
        elif self.times[0] < keep_from:
            cut = bisect.bisect_left(self.times, keep_from)
            # Keep one older point so an instant lookup just inside the window still works.
            cut = max(0, cut - 1)
            if cut:
                del self.times[:cut]
                del self.values[:cut]
        return True


class SampleStore:
    """Recent samples for every series, indexed by metric name."""

    def __init__(self, lookback: float = DEFAULT_LOOKBACK) -> None:
        self.lookback = lookback
        self._by_name: dict[str, dict[LabelSet, _Series]] = {}
        self._by_source: dict[str, set[LabelSet]] = {}
        self._retained: frozenset[str] | None = None
        self._window = lookback

    # -- configuration -------------------------------------------------------------------

    def configure_retention(self, names: Iterable[str] | None, window: float) -> None:
        """Retain history for ``names`` (all when None) over ``window`` seconds plus lookback."""
        self._retained = None if names is None else frozenset(names)
        self._window = max(window, 0.0) + self.lookback

    # -- writing -------------------------------------------------------------------------

    def append(self, labels: LabelSet, ts: float, value: float | None) -> None:
        """Add one point (``None`` is a staleness marker)."""
        series = self._series(labels)
        series.append(ts, value, self._keep_from(labels.name, ts))

    def ingest(self, source: str, ts: float, samples: Mapping[LabelSet, float]) -> None:
        """Store one successful scrape; series the source stopped exposing become stale."""
        previous = self._by_source.get(source, set())
        current = set(samples)
        for labels, value in samples.items():
            self.append(labels, ts, value)
        for labels in previous - current:
            self.append(labels, ts, None)
        self._by_source[source] = current

    def mark_stale(self, source: str, ts: float) -> None:
        """A failed scrape: every series of ``source`` is stale at once."""
        for labels in self._by_source.get(source, ()):
            self.append(labels, ts, None)
        self._by_source[source] = set()

    def drop_source(self, source: str, ts: float) -> None:
        """A removed target: mark its series stale and forget the source."""
        self.mark_stale(source, ts)
        self._by_source.pop(source, None)

    def gc(self, now: float) -> int:
        """Delete series with no point inside the retention window; return how many."""
        horizon = now - self._window
        removed = 0
        for name in list(self._by_name):
            bucket = self._by_name[name]
            for labels in [lbl for lbl, s in bucket.items() if s.times[-1] < horizon]:
                del bucket[labels]
                removed += 1
            if not bucket:
                del self._by_name[name]
        return removed

    # -- reading -------------------------------------------------------------------------

    def instant(
        self, matchers: Sequence[Matcher], ts: float, lookback: float | None = None
    ) -> list[InstantPoint]:
        """Latest non-stale point of each matching series in ``[ts - lookback, ts]``."""
        since = ts - (self.lookback if lookback is None else lookback)
        out: list[InstantPoint] = []
        for series in self._matching(matchers):
            idx = bisect.bisect_right(series.times, ts) - 1
            if idx < 0:
                continue
            value = series.values[idx]
            at = series.times[idx]
            if value is None or at < since:
                continue
            out.append(InstantPoint(series.labels, at, value))
        return out

    def range(self, matchers: Sequence[Matcher], start: float, end: float) -> list[SeriesPoints]:
        """Non-stale points of each matching series in the closed interval ``[start, end]``."""
        out: list[SeriesPoints] = []
        for series in self._matching(matchers):
            lo = bisect.bisect_left(series.times, start)
            hi = bisect.bisect_right(series.times, end)
            values = series.values[lo:hi]
            if None in values:  # staleness markers are not points
                points = [
                    (t, v)
                    for t, v in zip(series.times[lo:hi], values, strict=True)
                    if v is not None
                ]
            else:
                points = list(zip(series.times[lo:hi], values, strict=True))  # type: ignore[arg-type]
            if points:
                out.append(SeriesPoints(series.labels, points))
        return out

    def series_count(self) -> int:
        """Number of series held."""
        return sum(len(bucket) for bucket in self._by_name.values())

    def metric_names(self) -> set[str]:
        """Every metric name the store has seen and still holds."""
        return set(self._by_name)

    def source_series(self, source: str) -> set[LabelSet]:
        """The series the latest successful scrape of ``source`` produced."""
        return set(self._by_source.get(source, ()))

    # -- internals -----------------------------------------------------------------------

    def _keep_from(self, name: str, ts: float) -> float | None:
        if self._retained is None or name in self._retained:
            return ts - self._window
        return None

    def _series(self, labels: LabelSet) -> _Series:
        bucket = self._by_name.setdefault(labels.name, {})
        series = bucket.get(labels)
        if series is None:
            series = bucket[labels] = _Series(labels)
        return series

    def _matching(self, matchers: Sequence[Matcher]) -> Iterable[_Series]:
        name_eq = next((m for m in matchers if m.label == METRIC_NAME and m.op == "="), None)
        if name_eq is not None:
            buckets: Iterable[dict[LabelSet, _Series]] = (self._by_name.get(name_eq.value, {}),)
            matchers = [m for m in matchers if m is not name_eq]  # the bucket already satisfies it
        else:
            buckets = list(self._by_name.values())
        for bucket in buckets:
            if not matchers:
                yield from bucket.values()
                continue
            for labels, series in bucket.items():
                if all(m.matches(labels.get(m.label, "")) for m in matchers):
                    yield series
