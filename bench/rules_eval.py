"""Rule evaluation cost: 500 rules over 50,000 series, ours vs a real Prometheus, as a ratio.

Both get the same data from the same local /metrics target (50 metric names x 1,000 series,
counters growing each scrape) and the same rule file (5 groups x 100 rules: threshold alerts,
rate/sum recordings, avg/count/topk). Prometheus scrapes and evaluates every 5 s; its figure is
the sum of ``prometheus_rule_group_last_duration_seconds`` over the groups, taken as the median
over several rounds. Ours: the same series scraped into a ``SampleStore`` for the same history,
then every group evaluated at once, median of rounds. Prints JSON.

    python -m bench.rules_eval [--rounds 5] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from aiohttp import web

from tests.support.components import start_prometheus
from watchdog.exposition import parse_exposition
from watchdog.gctuning import tune_garbage_collector
from watchdog.rules.files import load_rule_files
from watchdog.rules.group import EvalContext, GroupState
from watchdog.store import SampleStore

NAMES = 50
PER_NAME = 1000
GROUPS = 5
RULES_PER_GROUP = 100
STEP = 5.0
HISTORY = 24  # scrapes before measuring (2 minutes at 5 s)


class Target:
    """Serves the 50,000 series; every scrape advances the counters."""

    def __init__(self) -> None:
        self.scrapes = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        self._ready.wait(10)

    def body(self, scrape: int) -> str:
        lines = []
        for n in range(NAMES):
            for i in range(PER_NAME):
                value = (i % 97) * (scrape + 1) + n
                lines.append(f'bench_m{n}_total{{instance="i{i}",job="j{i % 10}"}} {value}')
        return "\n".join(lines) + "\n"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def metrics(_request: web.Request) -> web.Response:
            self.scrapes += 1
            return web.Response(text=self.body(self.scrapes), content_type="text/plain")

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()


def rule_file() -> str:
    """5 groups x 100 rules over the 50 metric names."""
    out = ["groups:"]
    for g in range(GROUPS):
        out += [f"  - name: bench{g}", "    rules:"]
        for r in range(RULES_PER_GROUP):
            n = (g * RULES_PER_GROUP + r) % NAMES
            m = f"bench_m{n}_total"
            kind = r % 5
            if kind == 0:
                out += [f"      - alert: High{g}_{r}", f"        expr: {m} > 5000"]
                out += ["        for: 1m"]
            elif kind == 1:
                out += [f"      - record: job:{m}:rate1m_{g}_{r}"]
                out += [f"        expr: sum by (job) (rate({m}[1m]))"]
            elif kind == 2:
                out += [f"      - record: job:{m}:avg_{g}_{r}", f"        expr: avg by (job) ({m})"]
            elif kind == 3:
                out += [f"      - alert: Many{g}_{r}", f"        expr: count({m} > 100) > 500"]
            else:
                out += [f"      - record: top:{m}_{g}_{r}", f"        expr: topk(5, {m})"]
    return "\n".join(out) + "\n"


def prometheus_round_seconds(url: str, rounds: int) -> list[float]:
    """Sum of the groups' last evaluation durations, sampled once per evaluation interval."""
    samples: list[float] = []
    while len(samples) < rounds:
        time.sleep(STEP)
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:  # noqa: S310
            text = response.read().decode()
        values = [
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("prometheus_rule_group_last_duration_seconds{")
        ]
        if len(values) == GROUPS and all(v > 0 for v in values):
            samples.append(sum(values))
    return samples


def our_round_seconds(target: Target, rules: Path, rounds: int) -> list[float]:
    """Fill a store with HISTORY scrapes, then time full evaluations of every group."""
    tune_garbage_collector()  # as the daemon does at start (watchdog.cli.main)
    store = SampleStore()
    store.configure_retention(None, 300)
    for scrape in range(HISTORY):
        samples = parse_exposition(target.body(1000 + scrape))
        store.ingest("bench", scrape * STEP, {s.label_set(): s.value for s in samples})
    states = [GroupState(g.with_interval(STEP)) for g in load_rule_files([rules])]
    ctx = EvalContext(store)
    times: list[float] = []
    for index in range(rounds):
        ts = (HISTORY - 1) * STEP + index * 0.001
        started = time.perf_counter()
        for state in states:
            state.evaluate(ts, ctx)
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    """Run both sides and print the comparison as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    target = Target()
    with tempfile.TemporaryDirectory(prefix="bench-rules-") as scratch:
        work = Path(scratch)
        rules = work / "rules.yml"
        rules.write_text(rule_file())
        prom = start_prometheus(
            work / "prom",
            {
                "global": {"scrape_interval": f"{STEP:g}s", "evaluation_interval": f"{STEP:g}s"},
                "rule_files": [str(rules)],
                "scrape_configs": [
                    {
                        "job_name": "bench",
                        "sample_limit": 0,
                        "static_configs": [{"targets": [f"127.0.0.1:{target.port}"]}],
                    }
                ],
            },
        )
        try:
            while target.scrapes < 3:
                time.sleep(1)
            theirs = prometheus_round_seconds(prom.url, args.rounds)
        finally:
            prom.stop()
        ours = our_round_seconds(target, rules, args.rounds)
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    result = {
        "benchmark": "rules_eval",
        "series": NAMES * PER_NAME,
        "rules": GROUPS * RULES_PER_GROUP,
        "ours_seconds_per_round": round(ours_median, 4),
        "prometheus_seconds_per_round": round(theirs_median, 4),
        "ratio_ours_to_prometheus": round(ours_median / theirs_median, 2),
        "ours_rounds": [round(t, 4) for t in ours],
        "prometheus_rounds": [round(t, 4) for t in theirs],
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
