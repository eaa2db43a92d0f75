"""Deterministic series for the differential test against Prometheus 2.42.

One hour at a 15 s interval from ``T0`` (2020, well in the past): counters with resets, a late
start and an early end; gauges with ties, negative values and NaN; classic histograms (sound,
without ``+Inf``, non-monotonic, with NaN, empty); ``up``/info series for vector matching; two
metrics with identical labels to provoke duplicate-labelset errors; a sparse series for the
lookback.
"""

from __future__ import annotations

import math
import random

from tests.support.tsdb import BackfillSeries
from watchdog.samples import LabelSet

__all__ = ["END", "INTERVAL", "STOPPED_AT", "T0", "build_dataset"]

T0 = 1_600_000_000
INTERVAL = 15
END = T0 + 3600
STOPPED_AT = T0 + 2700  # where early-ending series stop (no staleness marker, like a block)


def _times(start: int = T0, end: int = END) -> list[int]:
    return list(range(start, end + 1, INTERVAL))


def _counter(
    rng: random.Random, times: list[int], resets: dict[int, float]
) -> list[tuple[float, float]]:
    value, points = 0.0, []
    for ts in times:
        value = resets.get(ts, value + rng.randint(0, 12))
        points.append((float(ts), value))
    return points


def _counters(rng: random.Random) -> list[BackfillSeries]:
    out = []
    for instance in ("a1", "a2", "a3"):
        for code in ("200", "500"):
            labels = LabelSet.of("http_requests_total", job="api", instance=instance, code=code)
            times, resets = _times(), {}
            if (instance, code) == ("a2", "200"):
                resets = {T0 + 1200: 0.0, T0 + 2400: 3.0}
            if (instance, code) == ("a3", "500"):
                resets = {T0 + 1815: 7.0}
            if (instance, code) == ("a1", "500"):
                times = _times(T0 + 1500)
            if (instance, code) == ("a3", "200"):
                times = _times(T0, STOPPED_AT)
            out.append(BackfillSeries(labels, _counter(rng, times, resets)))
    # Starts late with a first value close to one step's increase: exercises the zero point.
    late = [(float(ts), 10.0 * (i + 1)) for i, ts in enumerate(_times(T0 + 1000))]
    out.append(BackfillSeries(LabelSet.of("jobs_total", kind="late"), late))
    return out


def _gauges(rng: random.Random) -> list[BackfillSeries]:
    out = []
    shared = [(float(ts), round(rng.uniform(15, 35), 1)) for ts in _times()]
    for instance in ("i1", "i2"):  # identical values: ties for topk/bottomk
        out.append(
            BackfillSeries(LabelSet.of("node_temp", instance=instance, sensor="cpu"), shared)
        )
    negative = [(float(ts), round(rng.uniform(-10, 10), 2)) for ts in _times()]
    out.append(BackfillSeries(LabelSet.of("node_temp", instance="i3", sensor="cpu"), negative))
    with_nan = [
        (float(ts), math.nan if i % 7 == 3 else round(rng.uniform(20, 40), 1))
        for i, ts in enumerate(_times())
    ]
    out.append(BackfillSeries(LabelSet.of("node_temp", instance="i4", sensor="cpu"), with_nan))
    gpu = [(float(ts), float(40 + (i % 5))) for i, ts in enumerate(_times())]
    out.append(BackfillSeries(LabelSet.of("node_temp", instance="i1", sensor="gpu"), gpu))
    for instance, slope in (("i1", 1000.0), ("i2", 2500.5), ("i3", 0.0)):
        points = [(float(ts), 1e9 - slope * (ts - T0)) for ts in _times()]
        out.append(BackfillSeries(LabelSet.of("disk_free_bytes", instance=instance), points))
    return out


def _histograms(rng: random.Random) -> list[BackfillSeries]:
    out = []
    bounds = ("0.05", "0.1", "0.5", "1", "+Inf")
    for job in ("api", "web", "broken", "nonmono", "nan", "zero"):
        counts = [0.0] * len(bounds)
        series = {
            le: BackfillSeries(LabelSet.of("req_duration_seconds_bucket", job=job, le=le))
            for le in bounds
        }
        for ts in _times():
            for _ in range(0 if job == "zero" else rng.randint(0, 20)):
                observed = rng.expovariate(4.0)
                for i, le in enumerate(bounds):
                    if observed <= float(le):
                        counts[i] += 1
            for i, le in enumerate(bounds):
                if job == "broken" and le == "+Inf":
                    continue
                value = counts[i]
                if job == "nonmono" and le == "0.5":
                    value = counts[i] + 5  # more than the next bucket: monotonicity fix
                if job == "nan" and le == "0.1" and ts % 60 == 0:
                    value = math.nan
                series[le].points.append((float(ts), value))
        out.extend(s for s in series.values() if s.points)
    return out


def _matching() -> list[BackfillSeries]:
    out = []
    for i, instance in enumerate(("i1", "i2", "i3", "i4")):
        up = [(float(ts), 0.0 if instance == "i4" and ts >= T0 + 2000 else 1.0) for ts in _times()]
        out.append(BackfillSeries(LabelSet.of("up", job="node", instance=instance), up))
        info = [(float(ts), 1.0) for ts in _times()]
        rack = "r1" if i < 2 else "r2"
        out.append(BackfillSeries(LabelSet.of("node_info", instance=instance, rack=rack), info))
    for instance in ("a1", "a2", "a3"):
        up = [(float(ts), 1.0) for ts in _times()]
        out.append(BackfillSeries(LabelSet.of("up", job="api", instance=instance), up))
    threshold = [(float(ts), 100.0) for ts in _times()]
    out.append(BackfillSeries(LabelSet.of("api_threshold", job="api"), threshold))
    for name in ("dup_metric_a", "dup_metric_b"):
        points = [(float(ts), 1.0) for ts in _times()]
        out.append(BackfillSeries(LabelSet.of(name, x="1"), points))
    sparse = [(float(T0), 1.0), (float(T0 + 600), 2.0), (float(T0 + 1800), 3.0)]
    out.append(BackfillSeries(LabelSet.of("sparse", id="1"), sparse))
    return out


def _edge_cases() -> list[BackfillSeries]:
    out = []
    # Summation order and compensation: 1e16 + 1 + 1 - 1e16 is 0 naively, 2 with Kahan.
    for i, value in enumerate((1e16, 1.0, 1.0, -1e16)):
        points = [(float(ts), value) for ts in _times()]
        out.append(BackfillSeries(LabelSet.of("cancel", i=str(i)), points))
    cycle = (1e16, 1.0, 1.0, -1e16)
    points = [(float(ts), cycle[i % 4]) for i, ts in enumerate(_times())]
    out.append(BackfillSeries(LabelSet.of("cancel_series"), points))
    # Label values with newlines: regex anchoring and "." semantics.
    for value in ("a\nb", "a\n", "a"):
        points = [(float(ts), 1.0) for ts in _times()]
        out.append(BackfillSeries(LabelSet.of("newline", v=value.replace("\\n", "\n")), points))
    return out


def build_dataset(seed: int = 42) -> list[BackfillSeries]:
    """Every series of the differential test, with identical points on every call."""
    rng = random.Random(seed)
    return [*_counters(rng), *_gauges(rng), *_histograms(rng), *_matching(), *_edge_cases()]
