"""PromQL evaluation cost per series: our evaluator versus Prometheus 2.42 on the same data.

Generates N series (default 50,000) of typical alerting inputs (request counters, ``up``,
latency histograms, filesystem gauges) over a few minutes at a 15 s interval, backfills them
into a real Prometheus and loads them into a SampleStore, then evaluates typical alert
expressions in both. Prometheus' own engine time (``stats=all`` -> ``execTotalTime``) is the
peer; its HTTP round trip is reported too. Both sides are timed warm (median of --repeat runs
after the first), which is the steady state of a rule loop. Prints JSON; ratios > 1 mean we are
slower; cost per series divides by the series the query's selectors read.

    python -m bench.promql_eval [--series 50000] [--repeat 5] [--minutes 6]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.tsdb import BackfillSeries, load_store, start_prometheus_on_blocks
from watchdog.gctuning import tune_garbage_collector
from watchdog.promql import Query, evaluate
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

T0 = 1_600_000_000
INTERVAL = 15
QUERIES = [
    "up == 0",
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))'
    " / sum by (job) (rate(http_requests_total[5m])) > 0.05",
    "histogram_quantile(0.99, sum by (job, le) (rate(req_duration_seconds_bucket[5m]))) > 0.5",
    "predict_linear(node_filesystem_avail_bytes[5m], 4 * 3600) < 0",
    'absent(up{job="svc0"})',
    "count by (job) (up == 0) > 3",
    "topk(10, rate(http_requests_total[5m]))",
    "increase(http_requests_total[5m]) > 100",
    "node_filesystem_avail_bytes / 1e9 < 1 and on(instance) up == 1",
    "avg_over_time(node_filesystem_avail_bytes[5m]) < 2e9",
]


def build_series(total: int, minutes: int, seed: int = 1) -> list[BackfillSeries]:
    """``total`` series split 40% counters, 10% up, 20% histogram buckets, 30% gauges."""
    rng = random.Random(seed)
    times = [float(T0 + i * INTERVAL) for i in range(minutes * 60 // INTERVAL + 1)]
    out: list[BackfillSeries] = []
    jobs = [f"svc{j}" for j in range(10)]

    def add(labels: LabelSet, values: list[float]) -> None:
        out.append(BackfillSeries(labels, list(zip(times, values, strict=True))))

    def counter() -> list[float]:
        value, values = rng.uniform(0, 1e4), []
        for _ in times:
            value += rng.randint(0, 50)
            values.append(value)
        return values

    per_job = max(1, int(total * 0.4) // (len(jobs) * 4))
    for job in jobs:
        for i in range(per_job):
            for code in ("200", "404", "500", "503"):
                add(
                    LabelSet.of("http_requests_total", job=job, instance=f"i{i}", code=code),
                    counter(),
                )
    for job in jobs:
        for i in range(max(1, int(total * 0.1) // len(jobs))):
            add(
                LabelSet.of("up", job=job, instance=f"i{i}"),
                [0.0 if rng.random() < 0.01 else 1.0 for _ in times],
            )
    bounds = ("0.005", "0.01", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf")
    for job in jobs:
        for i in range(max(1, int(total * 0.2) // (len(jobs) * len(bounds)))):
            base = counter()
            for k, le in enumerate(bounds):
                share = (k + 1) / len(bounds)
                add(
                    LabelSet.of("req_duration_seconds_bucket", job=job, instance=f"i{i}", le=le),
                    [math.floor(v * share) for v in base],
                )
    remaining = total - len(out)
    for i in range(remaining):
        start, slope = rng.uniform(1e9, 1e11), rng.uniform(-1e6, 1e5)
        add(
            LabelSet.of(
                "node_filesystem_avail_bytes", instance=f"i{i // 3}", mountpoint=f"/m{i % 3}"
            ),
            [start + slope * (t - T0) for t in times],
        )
    return out


def _series_selected(expr: str, store: SampleStore, ts: float) -> int:
    """How many series the query's selectors read (the unit of "cost per series")."""
    total = 0
    for sel in Query.parse(expr).selectors():
        end = ts - sel.offset
        total += len(store.range(sel.matchers, end - max(sel.range, store.lookback), end))
    return total


def _time_ours(expr: str, store: SampleStore, ts: float, repeat: int) -> tuple[float, int]:
    parsed = Query.parse(expr)
    timings, size = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        result = evaluate(parsed, store, ts)
        timings.append(time.perf_counter() - began)
        size = len(result) if isinstance(result, list) else 1
    return statistics.median(timings), size


def _time_prometheus(url: str, expr: str, ts: float, repeat: int) -> tuple[float, float, int]:
    engine, wall, size = [], [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        body = _query_stats(url, expr, ts)
        wall.append(time.perf_counter() - began)
        engine.append(float(body["data"]["stats"]["timings"]["execTotalTime"]))
        size = len(body["data"]["result"])
    return statistics.median(engine), statistics.median(wall), size


def _query_stats(url: str, expr: str, ts: float) -> Any:
    params = urllib.parse.urlencode({"query": expr, "time": f"{ts:.3f}", "stats": "all"})
    with urllib.request.urlopen(f"{url}/api/v1/query?{params}", timeout=300) as response:  # noqa: S310
        body = json.loads(response.read())
    if body.get("status") != "success":
        raise RuntimeError(f"Prometheus failed {expr!r}: {body}")
    return body


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=50_000)
    parser.add_argument("--minutes", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    tune_garbage_collector()  # as the daemon does at start (watchdog.cli.main)

    series = build_series(args.series, args.minutes)
    ts = float(T0 + args.minutes * 60)
    store = SampleStore()
    load_store(store, series)
    with tempfile.TemporaryDirectory(prefix="promql-bench-") as tmp:
        prometheus = start_prometheus_on_blocks(Path(tmp), series)
        try:
            rows = []
            for expr in QUERIES:
                ours, our_size = _time_ours(expr, store, ts, args.repeat)
                engine, wall, their_size = _time_prometheus(prometheus.url, expr, ts, args.repeat)
                selected = max(1, _series_selected(expr, store, ts))
                rows.append(
                    {
                        "expr": expr,
                        "result_size": our_size,
                        "prometheus_result_size": their_size,
                        "ours_seconds": round(ours, 6),
                        "prometheus_engine_seconds": round(engine, 6),
                        "prometheus_http_seconds": round(wall, 6),
                        "ratio_vs_engine": round(ours / engine, 2) if engine else None,
                        "ratio_vs_http": round(ours / wall, 2) if wall else None,
                        "series_selected": selected,
                        "ours_microseconds_per_series": round(ours / selected * 1e6, 3),
                        "prometheus_microseconds_per_series": round(engine / selected * 1e6, 3),
                    }
                )
        finally:
            prometheus.stop()
    ratios = [r["ratio_vs_engine"] for r in rows if r["ratio_vs_engine"]]
    report = {
        "benchmark": "promql_eval",
        "series": len(series),
        "points_per_series": args.minutes * 60 // INTERVAL + 1,
        "repeat": args.repeat,
        "queries": rows,
        "geomean_ratio_vs_engine": round(statistics.geometric_mean(ratios), 2) if ratios else None,
        "results_agree": all(r["result_size"] == r["prometheus_result_size"] for r in rows),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
