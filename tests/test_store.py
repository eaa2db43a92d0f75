"""The sample store: lookback, staleness, retention bounds."""

import math

from watchdog.samples import LabelSet
from watchdog.store import Matcher, SampleStore

UP_A = LabelSet.of("up", job="a", instance="x")
UP_B = LabelSet.of("up", job="b", instance="y")
NAME_UP = [Matcher("__name__", "=", "up")]


def test_instant_returns_latest_within_lookback() -> None:
    """An instant lookup sees the newest point no older than the lookback."""
    store = SampleStore(lookback=300)
    store.append(UP_A, 100.0, 1.0)
    store.append(UP_A, 110.0, 0.0)
    [point] = store.instant(NAME_UP, 200.0)
    assert (point.timestamp, point.value) == (110.0, 0.0)
    assert store.instant(NAME_UP, 105.0)[0].value == 1.0
    assert store.instant(NAME_UP, 410.0) != []  # the lookback window is closed: [t-5m, t]
    assert store.instant(NAME_UP, 410.5) == []  # more than 5 min after the last point: gone
    assert store.instant(NAME_UP, 50.0) == []  # nothing yet


def test_failed_scrape_marks_all_series_stale_at_once() -> None:
    """A failed scrape makes every series of that source disappear immediately."""
    store = SampleStore()
    store.ingest("a", 10.0, {UP_A: 1.0, LabelSet.of("x", job="a"): 5.0})
    store.ingest("b", 10.0, {UP_B: 1.0})
    store.mark_stale("a", 20.0)
    assert [p.labels for p in store.instant([], 20.0)] == [UP_B]
    assert store.instant(NAME_UP, 19.0) != []  # before the marker the old value still holds


def test_series_missing_from_successful_scrape_is_stale() -> None:
    """A series a source stops exposing is stale from that scrape on."""
    store = SampleStore()
    gone = LabelSet.of("queue_length", job="a")
    store.ingest("a", 10.0, {UP_A: 1.0, gone: 3.0})
    store.ingest("a", 20.0, {UP_A: 1.0})
    assert store.instant([Matcher("__name__", "=", "queue_length")], 25.0) == []
    assert store.instant(NAME_UP, 25.0)[0].value == 1.0
    store.ingest("a", 30.0, {UP_A: 1.0, gone: 4.0})  # and it can come back
    assert store.instant([Matcher("__name__", "=", "queue_length")], 30.0)[0].value == 4.0


def test_range_excludes_stale_markers_and_is_closed() -> None:
    """Range selection returns real points in [start, end], skipping staleness markers."""
    store = SampleStore()
    for ts, value in [(0.0, 1.0), (10.0, 2.0), (20.0, None), (30.0, 4.0)]:
        store.append(UP_A, ts, value)
    [series] = store.range(NAME_UP, 0.0, 30.0)
    assert series.points == [(0.0, 1.0), (10.0, 2.0), (30.0, 4.0)]
    assert store.range(NAME_UP, 10.0, 20.0)[0].points == [(10.0, 2.0)]


def test_nan_values_are_not_staleness() -> None:
    """A real NaN sample stays visible; only markers hide a series."""
    store = SampleStore()
    store.append(UP_A, 10.0, math.nan)
    [point] = store.instant(NAME_UP, 10.0)
    assert math.isnan(point.value)


def test_matchers_all_four_kinds() -> None:
    """=, !=, =~ (anchored) and !~ select the expected series; absent labels match ''."""
    store = SampleStore()
    store.append(UP_A, 1.0, 1.0)
    store.append(UP_B, 1.0, 1.0)
    store.append(LabelSet.of("up", job="ab"), 1.0, 1.0)

    def jobs(*matchers: Matcher) -> set[str]:
        return {p.labels["job"] for p in store.instant([*NAME_UP, *matchers], 1.0)}

    assert jobs(Matcher("job", "=", "a")) == {"a"}
    assert jobs(Matcher("job", "!=", "a")) == {"b", "ab"}
    assert jobs(Matcher("job", "=~", "a")) == {"a"}  # anchored: 'ab' does not match
    assert jobs(Matcher("job", "!~", "a.*")) == {"b"}
    assert jobs(Matcher("instance", "=", "")) == {"ab"}


def test_unretained_names_keep_only_the_latest_point() -> None:
    """Metric names no rule references keep one point, whatever the scrape count."""
    store = SampleStore(lookback=300)
    store.configure_retention({"up"}, window=600)
    other = LabelSet.of("go_goroutines", job="a")
    for ts in range(0, 1000, 10):
        store.append(UP_A, float(ts), 1.0)
        store.append(other, float(ts), float(ts))
    assert len(store.range([Matcher("__name__", "=", "go_goroutines")], 0, 1000)[0].points) == 1
    kept = store.range(NAME_UP, 0, 1000)[0].points
    # Window plus lookback, plus one older point kept for instant lookups at the edge.
    assert kept[0][0] == 990 - 900 - 10
    assert len(kept) == 92


def test_gc_drops_series_older_than_window() -> None:
    """Series with nothing inside the retention window are deleted."""
    store = SampleStore(lookback=300)
    store.configure_retention(None, window=0)
    store.append(UP_A, 0.0, 1.0)
    store.append(UP_B, 1000.0, 1.0)
    assert store.gc(now=1000.0) == 1
    assert store.series_count() == 1
    assert store.metric_names() == {"up"}


def test_out_of_order_samples_are_ignored() -> None:
    """An older timestamp than the newest one does not rewrite history."""
    store = SampleStore()
    store.append(UP_A, 20.0, 2.0)
    store.append(UP_A, 10.0, 1.0)
    assert store.range(NAME_UP, 0, 30)[0].points == [(20.0, 2.0)]
