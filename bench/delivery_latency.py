"""Delivery latency against its floor, next to Prometheus + Alertmanager with the same rule.

Two figures, each over repeated trials (p50 / p99 / max, in seconds):

- detection: a scraped target is killed → the ``WebDown`` notification arrives at the
  receiver behind Alertmanager. Measured for monitor-watchdog and for a real Prometheus
  evaluating the same rule, each with its own Alertmanager (same ``group_wait``).
- fallback: the daemon's Alertmanager is killed → ``AlertmanagerDown`` arrives at the
  emergency webhook. Prometheus has no path left when its Alertmanager is gone, so its
  column says so instead of a number.

The floor of both is ``interval + for``: the failure is seen at the next probe at the latest
(interval), then the rule must hold for ``for``. Output is JSON on stdout.

    python bench/delivery_latency.py --trials 10
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from devstack.polling import wait_for  # noqa: E402
from tests.support.components import (  # noqa: E402
    Running,
    start_alertmanager,
    start_daemon,
    start_prometheus,
)
from tests.support.httpsink import Answer, HttpSink, Recorded, alertmanager_routing_to  # noqa: E402

METRICS = Answer(200, {"Content-Type": "text/plain; version=0.0.4"}, b"target_alive 1\n")


def rules(hold: float) -> dict[str, Any]:
    """The rule both pipelines evaluate (and the daemon's Alertmanager-down rule)."""
    return {
        "groups": [
            {
                "name": "bench",
                "rules": [
                    {"alert": "WebDown", "expr": 'up{job="web"} == 0', "for": dur(hold)},
                    {
                        "alert": "AlertmanagerDown",
                        "expr": 'up{job="alertmanager"} == 0',
                        "for": dur(hold),
                    },
                ],
            }
        ]
    }


def dur(seconds: float) -> str:
    """A duration Prometheus and the daemon both accept (whole milliseconds)."""
    return f"{round(seconds * 1000)}ms"


class Bench:
    """The components of one benchmark run; ``close`` stops whatever was started."""

    def __init__(self, work: Path, interval: float, hold: float) -> None:
        self.work, self.interval, self.hold = work, interval, hold
        self.sink = HttpSink().start()
        self.target = self._serve_target(0)
        self.target_port = self.target.port
        self.started: list[Running] = []
        try:
            self._start_components()
        except BaseException:
            self.close()
            raise

    def _start_components(self) -> None:
        work, interval, hold = self.work, self.interval, self.hold
        (work / "rules.yml").write_text(yaml.safe_dump(rules(hold)))
        self.am_wd = self._keep(
            start_alertmanager(work / "am-wd", alertmanager_routing_to(self.sink, "/am-watchdog"))
        )
        self.am_prom = self._keep(
            start_alertmanager(work / "am-prom", alertmanager_routing_to(self.sink, "/am-prom"))
        )
        every, timeout = dur(interval), dur(min(interval, 0.5))
        self.prometheus = self._keep(
            start_prometheus(
                work / "prom",
                {
                    "global": {
                        "scrape_interval": every,
                        "evaluation_interval": every,
                        "scrape_timeout": timeout,
                    },
                    "rule_files": [str(work / "rules.yml")],
                    "alerting": {
                        "alertmanagers": [
                            {"static_configs": [{"targets": [f"127.0.0.1:{self.am_prom.port}"]}]}
                        ]
                    },
                    "scrape_configs": [
                        {
                            "job_name": "web",
                            "static_configs": [{"targets": [f"127.0.0.1:{self.target_port}"]}],
                        }
                    ],
                },
            )
        )
        self.daemon = self._keep(
            start_daemon(
                work / "wd",
                {
                    "global": {"interval": every, "evaluation_interval": every, "timeout": timeout},
                    "targets": [
                        {
                            "job": "web",
                            "kind": "scrape",
                            "url": f"http://127.0.0.1:{self.target_port}/metrics",
                        },
                        {
                            "job": "alertmanager",
                            "kind": "http",
                            "url": f"{self.am_wd.url}/-/healthy",
                        },
                    ],
                    "rule_files": [str(work / "rules.yml")],
                    "alerting": {
                        "alertmanagers": [{"url": self.am_wd.url, "timeout": "2s"}],
                        "emergency": [{"kind": "webhook", "url": self.sink.url("/hook")}],
                        "backoff": {"initial": "100ms", "max": "1s"},
                    },
                },
            )
        )

    def _keep(self, running: Running) -> Running:
        self.started.append(running)
        return running

    def _serve_target(self, port: int) -> HttpSink:
        target = HttpSink(port)
        target.behaviour = lambda _r: METRICS
        return target.start()

    def close(self) -> None:
        """Stop everything that was started (by PID)."""
        for running in reversed(self.started):
            running.stop()
        self.target.stop()
        self.sink.stop()

    def arrival(self, path: str, name: str, status: str, after: float, limit: float) -> float:
        """Monotonic arrival time of the first matching alert received after ``after``."""

        def first() -> float | None:
            for record in self.sink.records(path):
                if record.at > after and _has(record, name, status):
                    return record.at
            return None

        return wait_for(first, timeout=limit, message=f"{name} {status} at {path}")

    def detection_trial(self, limit: float) -> dict[str, float]:
        """Kill the target, time the notification through each pipeline, bring it back."""
        start = time.monotonic()
        self.target.stop()
        wd = self.arrival("/am-watchdog", "WebDown", "firing", start, limit) - start
        prom = self.arrival("/am-prom", "WebDown", "firing", start, limit) - start
        back = time.monotonic()
        self.target = self._serve_target(self.target_port)
        self.arrival("/am-watchdog", "WebDown", "resolved", back, limit)
        self.arrival("/am-prom", "WebDown", "resolved", back, limit)
        return {"watchdog": wd, "prometheus": prom}

    def fallback_trial(self, limit: float) -> float:
        """Kill the daemon's Alertmanager, time the emergency delivery, restart it."""
        start = time.monotonic()
        self.am_wd.process.kill()
        latency = self.arrival("/hook", "AlertmanagerDown", "firing", start, limit) - start
        back = time.monotonic()
        self.am_wd = self._keep(
            start_alertmanager(
                self.work / "am-wd",
                alertmanager_routing_to(self.sink, "/am-watchdog"),
                port=self.am_wd.port,
            )
        )
        self.arrival("/hook", "AlertmanagerDown", "resolved", back, limit)
        wait_for(
            lambda: self.metric("watchdog_fallback_active") == 0,
            timeout=limit,
            message="delivery back on Alertmanager",
        )
        return latency

    def warm_up(self, limit: float) -> None:
        """Both pipelines have seen the target up before the first trial."""
        wait_for(lambda: _get(f"{self.daemon.url}/-/ready"), timeout=limit, message="daemon ready")
        wait_for(
            lambda: self.metric("watchdog_fallback_active") == 0,
            timeout=limit,
            message="daemon delivering to Alertmanager",
        )
        query = f"{self.prometheus.url}/api/v1/query?query=up%7Bjob%3D%22web%22%7D%3D%3D1"
        wait_for(
            lambda: json.loads(_get(query) or "{}").get("data", {}).get("result"),
            timeout=limit,
            message="Prometheus has scraped the target",
        )

    def metric(self, name: str) -> float | None:
        """An unlabelled sample of the daemon's /metrics."""
        with urllib.request.urlopen(f"{self.daemon.url}/metrics", timeout=5) as response:  # noqa: S310
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.read().decode() if response.status == 200 else None
    except OSError:
        return None


def _version(binary: str) -> str:
    found = shutil.which(binary)
    if found is None:
        return "not installed"
    result = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).splitlines()[0].strip()


def _has(record: Recorded, name: str, status: str) -> bool:
    try:
        alerts = record.json()["alerts"]
    except (ValueError, KeyError, TypeError):
        return False
    return any(a["labels"].get("alertname") == name and a["status"] == status for a in alerts)


def summary(samples: list[float], floor: float) -> dict[str, Any]:
    """Nearest-rank percentiles and how far they are above the floor."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]

    p50, p99 = rank(0.5), rank(0.99)
    return {
        "trials": len(ordered),
        "p50_s": round(p50, 3),
        "p99_s": round(p99, 3),
        "max_s": round(ordered[-1], 3),
        "p50_over_floor_s": round(p50 - floor, 3),
        "p99_over_floor_s": round(p99 - floor, 3),
        "samples_s": [round(s, 3) for s in samples],
    }


def run(trials: int, interval: float, hold: float) -> dict[str, Any]:
    """Run every trial and return the report."""
    floor = interval + hold
    limit = floor + 30.0
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        bench = Bench(Path(tmp), interval, hold)
        try:
            bench.warm_up(limit)
            detection = [bench.detection_trial(limit) for _ in range(trials)]
            fallback = [bench.fallback_trial(limit) for _ in range(trials)]
        finally:
            bench.close()
    wd = summary([d["watchdog"] for d in detection], floor)
    prom = summary([d["prometheus"] for d in detection], floor)
    return {
        "benchmark": "delivery_latency",
        "floor_s": floor,
        "interval_s": interval,
        "for_s": hold,
        "alertmanager_group_wait_s": 0.1,
        "peers": {
            "prometheus": _version("prometheus"),
            "alertmanager": _version("prometheus-alertmanager"),
        },
        "detection": {
            "monitor_watchdog": wd,
            "prometheus_alertmanager": prom,
            "p50_ratio_watchdog_to_prometheus": round(wd["p50_s"] / prom["p50_s"], 3),
        },
        "fallback": {
            "monitor_watchdog": summary(fallback, floor),
            "prometheus_alertmanager": {
                "supported": False,
                "reason": "with its Alertmanager down Prometheus has no other delivery path",
            },
        },
        "aim": "p99 within 1 s of the floor",
    }


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--interval", type=float, default=1.0, help="probe/eval interval (s)")
    parser.add_argument("--for", dest="hold", type=float, default=2.0, help="rule for (s)")
    args = parser.parse_args(argv)
    out(json.dumps(run(args.trials, args.interval, args.hold), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
