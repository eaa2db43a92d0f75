"""Differential test: a real Prometheus and the daemon evaluate the same rules on the same target.

A local target exposes values the test changes over time; both scrape it every second and
evaluate the same rule file every second. The alert transitions read from both
``/api/v1/alerts`` must be the same, each within a few evaluation intervals of the other.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from devstack.polling import wait_for
from tests.support.components import Running, start_daemon, start_prometheus
from tests.support.loopthread import LoopThread

pytestmark = pytest.mark.slow

RULES = """
groups:
  - name: diff
    interval: 1s
    rules:
      - alert: TooHot
        expr: temperature_celsius > 50
        for: 3s
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.room }} at {{ $value }}C"}
      - alert: QueueStuck
        expr: queue_depth == 0 and rate(enqueued_total[5s]) > 0
        labels: {severity: warning}
"""


class Target:
    """A /metrics endpoint whose values the test sets; served from a background thread."""

    def __init__(self) -> None:
        self.values = {"temperature_celsius": 20.0, "queue_depth": 5.0, "enqueued_total": 0.0}
        self.rate = 0.0
        self.port = 0
        self._loop = LoopThread("differential-target")
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._loop.start()
        self._runner, self.port = self._loop.run(self._serve())

    async def _serve(self) -> tuple[web.AppRunner, int]:
        async def metrics(_request: web.Request) -> web.Response:
            self.values["enqueued_total"] += self.rate
            lines = [
                f'temperature_celsius{{room="lab"}} {self.values["temperature_celsius"]}',
                f'queue_depth{{queue="q1"}} {self.values["queue_depth"]}',
                f'enqueued_total{{queue="q1"}} {self.values["enqueued_total"]}',
            ]
            return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, runner.addresses[0][1]

    def stop(self) -> None:
        if self._runner is not None:
            self._loop.run(self._runner.cleanup())
        self._loop.stop()


def alerts(url: str) -> set[tuple[str, str, str]]:
    """(alertname, state, summary) of every active alert."""
    with urllib.request.urlopen(f"{url}/api/v1/alerts", timeout=2) as response:  # noqa: S310
        data = json.load(response)["data"]["alerts"]
    return {
        (a["labels"]["alertname"], a["state"], a["annotations"].get("summary", "")) for a in data
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, Running, Running]]:
    """The target, Prometheus and the daemon, started once for the module."""
    work = tmp_path_factory.mktemp("diff")
    rules = work / "rules.yml"
    rules.write_text(RULES)
    target = Target()
    target.start()
    url = f"http://127.0.0.1:{target.port}/metrics"
    prom = start_prometheus(
        work / "prom",
        {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": [
                {"job_name": "lab", "static_configs": [{"targets": [f"127.0.0.1:{target.port}"]}]}
            ],
        },
    )
    daemon = start_daemon(
        work / "daemon",
        {
            "global": {"interval": "1s", "timeout": "900ms", "evaluation_interval": "1s"},
            "targets": [{"job": "lab", "kind": "scrape", "url": url}],
            "rule_files": [str(rules)],
        },
    )
    try:
        yield target, prom, daemon
    finally:
        daemon.stop()
        prom.stop()
        target.stop()


def _has_data(url: str) -> bool:
    """Prometheus has scraped the target at least twice (so rate() has points)."""
    query = f"{url}/api/v1/query?query=count_over_time(temperature_celsius%5B1m%5D)"
    with urllib.request.urlopen(query, timeout=2) as response:  # noqa: S310
        result = json.load(response)["data"]["result"]
    return bool(result) and float(result[0]["value"][1]) >= 2


def _evaluated(url: str) -> bool:
    """Every rule group of the endpoint has been evaluated once."""
    with urllib.request.urlopen(f"{url}/api/v1/rules", timeout=2) as response:  # noqa: S310
        groups = json.load(response)["data"]["groups"]
    return bool(groups) and all(not g["lastEvaluation"].startswith("0001") for g in groups)


def _same_within(prom: Running, daemon: Running, want: set[tuple[str, str, str]]) -> None:
    """Both report exactly ``want``, the second no more than a few intervals after the first."""
    first = wait_for(
        lambda: (alerts(prom.url) == want) or (alerts(daemon.url) == want),
        timeout=30,
        message=f"either side to report {want}",
    )
    assert first
    started = time.monotonic()
    wait_for(
        lambda: alerts(prom.url) == want and alerts(daemon.url) == want,
        timeout=4.0,
        interval=0.1,
        message=f"both sides to report {want} within 4 evaluation intervals "
        f"(prometheus={alerts(prom.url)}, daemon={alerts(daemon.url)})",
    )
    assert time.monotonic() - started <= 4.5


def test_same_alert_transitions_as_prometheus(stack: tuple[Target, Running, Running]) -> None:
    """pending → firing → resolved for a `for` alert, and an `and`/rate alert, match Prometheus."""
    target, prom, daemon = stack
    wait_for(lambda: _has_data(prom.url), timeout=30, message="prometheus to scrape")
    wait_for(lambda: _evaluated(prom.url) and _evaluated(daemon.url), timeout=30, message="rules")
    _same_within(prom, daemon, set())
    target.values["temperature_celsius"] = 61.5
    _same_within(prom, daemon, {("TooHot", "pending", "lab at 61.5C")})
    _same_within(prom, daemon, {("TooHot", "firing", "lab at 61.5C")})
    target.values["temperature_celsius"] = 20.0
    _same_within(prom, daemon, set())
    target.rate = 3.0
    target.values["queue_depth"] = 0.0
    _same_within(prom, daemon, {("QueueStuck", "firing", "")})
    target.values["queue_depth"] = 4.0
    _same_within(prom, daemon, set())


def test_daemon_state_file_exists(stack: tuple[Target, Running, Running]) -> None:
    """The daemon persists alert state under state_dir."""
    _, _, daemon = stack
    state = Path(daemon.process.args[-1]).parent / "state" / "rules-state.sqlite"
    assert state.exists()
