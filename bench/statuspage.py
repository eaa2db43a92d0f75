"""The status page with 2,000 targets: its size and the time to render it.

The daemon watches 2,000 targets in 20 jobs (by default 5 % of them down); Prometheus 2.42
scrapes the same 2,000 endpoints in the same jobs. Figures, each the median of ``--rounds``
requests made one after another on loopback: bytes and seconds of ``GET /`` (the overview),
``GET /?job=...`` (one job of 100, every row), ``GET /api/v1/status/page`` (its JSON twin),
and the daemon's CPU seconds per page. Peer: Prometheus' own targets page for the same
targets — Debian's build serves the classic, server-rendered ``/classic/targets`` (its React
UI is not packaged) — and ``/api/v1/targets``, with their size, time and CPU.
A second run with every target down shows that the overview stays bounded.

    python -m bench.statuspage [--targets 2000] [--jobs 20] [--down 0.05] [--rounds 15]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from bench.common import cpu_seconds, emit, start, stop, wait_http
from devstack.procs import free_port
from watchdog.probe_history import bytes_per_target


def _fetch(url: str) -> tuple[bytes, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - loopback
        body = answer.read()
    return body, time.perf_counter() - started


def _measure(url: str, rounds: int, pid: int | None = None) -> dict[str, Any]:
    sizes, times = [], []
    cpu_before = cpu_seconds(pid) if pid else 0.0
    for _ in range(rounds):
        body, took = _fetch(url)
        sizes.append(len(body))
        times.append(took)
    out: dict[str, Any] = {
        "bytes": int(statistics.median(sizes)),
        "seconds_median": round(statistics.median(times), 4),
        "seconds_max": round(max(times), 4),
    }
    if pid:
        out["cpu_seconds_per_request"] = round((cpu_seconds(pid) - cpu_before) / rounds, 4)
    return out


def _targets(port: int, count: int, jobs: int, down: float, closed: int) -> list[dict[str, Any]]:
    failing = round(count * down)
    out = []
    for index in range(count):
        job = f"job-{index % jobs:02d}"
        if index < failing:
            out.append(
                {
                    "job": job,
                    "kind": "tcp",
                    "address": f"127.0.0.1:{closed}",
                    "instance": f"down-{index:04d}",
                }
            )
        else:
            out.append(
                {
                    "job": job,
                    "kind": "http",
                    "url": f"http://127.0.0.1:{port}/t/{index}",
                    "instance": f"up-{index:04d}",
                }
            )
    return out


def _daemon(work: Path, args: argparse.Namespace, target_port: int, down: float) -> dict[str, Any]:
    port = free_port()
    config = {
        "global": {"interval": "10s", "timeout": "5s"},
        "server": {"listen": f"127.0.0.1:{port}"},
        "state_dir": str(work / f"state-{down}"),
        "targets": _targets(target_port, args.targets, args.jobs, down, free_port()),
    }
    path = work / f"watchdog-{down}.yml"
    path.write_text(yaml.safe_dump(config))
    proc = start([sys.executable, "-m", "watchdog", "run", "-c", str(path)], work / "daemon.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/-/ready", timeout=120)
        time.sleep(args.settle)  # a few probes per target, so the sparklines have data
        base = f"http://127.0.0.1:{port}"
        return {
            "overview": _measure(f"{base}/", args.rounds, proc.pid),
            "one_job": _measure(f"{base}/?job=job-00", args.rounds, proc.pid),
            "json_twin": _measure(f"{base}/api/v1/status/page", args.rounds, proc.pid),
        }
    finally:
        stop(proc)


def _prometheus(work: Path, args: argparse.Namespace, target_port: int) -> dict[str, Any]:
    port = free_port()
    per_job: dict[str, list[str]] = {}
    for index in range(args.targets):
        # distinct targets (one instance each) on the one target server, as the daemon has
        per_job.setdefault(f"job-{index % args.jobs:02d}", []).append(f"127.0.0.1:{target_port}")
    scrape_configs = [
        {
            "job_name": job,
            "scrape_interval": "10s",
            "metrics_path": "/metrics",
            "static_configs": [
                {"targets": [address], "labels": {"n": str(n)}} for n, address in enumerate(items)
            ],
        }
        for job, items in sorted(per_job.items())
    ]
    (work / "prometheus.yml").write_text(yaml.safe_dump({"scrape_configs": scrape_configs}))
    proc = start(
        [
            "prometheus",
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        work / "prometheus.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/-/ready", timeout=120)
        time.sleep(args.settle)
        # Debian's build has no React UI (``/targets`` is 404); its classic UI renders the
        # targets page on the server, like ours: the closest peer there is.
        page = _measure(f"{base}/classic/targets", args.rounds, proc.pid)
        shell, _ = _fetch(f"{base}/classic/targets")
        assets = set(re.findall(rb'(?:src|href)="(/classic/static/[^"?]+)', shell))
        asset_bytes = sum(len(_fetch(base + a.decode())[0]) for a in assets)
        api = _measure(f"{base}/api/v1/targets", args.rounds, proc.pid)
        return {
            "classic_targets_page": page,
            "classic_static_assets_bytes": asset_bytes,
            "api_v1_targets": api,
        }
    finally:
        stop(proc)


def main() -> None:
    """Run both sides and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--down", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--settle", type=float, default=25.0)
    args = parser.parse_args()
    target_port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-statuspage-") as tmp:
        work = Path(tmp)
        server = start(
            [sys.executable, "-m", "bench.target_server", str(target_port)], work / "t.log"
        )
        try:
            wait_http(f"http://127.0.0.1:{target_port}/")
            daemon = _daemon(work, args, target_port, args.down)
            all_down = _daemon(work, args, target_port, 1.0)
            peer = _prometheus(work, args, target_port)
        finally:
            stop(server)
    overview = daemon["overview"]
    emit(
        "statuspage",
        {
            "targets": args.targets,
            "jobs": args.jobs,
            "down_share": args.down,
            "history_bytes_per_target": bytes_per_target(),
            "monitor_watchdog": daemon,
            "monitor_watchdog_all_down": all_down,
            "prometheus_2_42": peer,
            "ratio_overview_bytes_to_prometheus_targets_page": round(
                overview["bytes"] / peer["classic_targets_page"]["bytes"], 3
            ),
            "ratio_overview_seconds_to_prometheus_targets_page": round(
                overview["seconds_median"] / peer["classic_targets_page"]["seconds_median"], 3
            ),
            "ratio_overview_bytes_to_prometheus_api": round(
                overview["bytes"] / peer["api_v1_targets"]["bytes"], 3
            ),
        },
    )


if __name__ == "__main__":
    main()
