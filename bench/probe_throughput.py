"""Probe throughput and scheduling lag: N http targets, daemon pinned to one core.

Peer in the same run: Debian's prometheus-blackbox-exporter, pinned to the same core, asked by
a driver to probe the same target at the same rate. Figures: achieved probes/s, scheduling lag
p50/p99 (interpolated from the daemon's own lag histogram), CPU-seconds per probe, probes per
CPU-second for both, RSS.

    python -m bench.probe_throughput [--targets 2000] [--interval 10] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bench.common import (
    cpu_seconds,
    emit,
    histogram_quantile,
    pinned,
    rss_bytes,
    start,
    stop,
    wait_http,
)
from devstack.procs import REPO
from watchdog.exposition import parse_exposition

DAEMON_CORE = 0
LOAD_CORE = 1


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scrape(url: str) -> list[Any]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return parse_exposition(response.read().decode())


def _daemon_figures(metrics_url: str) -> tuple[float, list[tuple[float, float]]]:
    samples = _scrape(metrics_url)
    probes = sum(s.value for s in samples if s.name == "watchdog_probes_total")
    buckets = [
        (float(s.labels["le"]), s.value)
        for s in samples
        if s.name == "watchdog_scheduler_lag_seconds_bucket"
    ]
    return probes, buckets


def bench_daemon(
    work: Path, target_port: int, targets: int, interval: float, duration: float
) -> dict[str, Any]:
    """Run the daemon against ``targets`` http targets and measure a steady-state window."""
    port = _free_port()
    config = {
        "global": {"interval": f"{int(interval * 1000)}ms", "timeout": "5s"},
        "server": {"listen": f"127.0.0.1:{port}"},
        "state_dir": str(work / "state"),
        "targets": [
            {
                "job": "bench",
                "kind": "http",
                "instance": f"t{i}",
                "url": f"http://127.0.0.1:{target_port}/t{i}",
            }
            for i in range(targets)
        ],
    }
    config_file = work / "watchdog.yml"
    config_file.write_text(yaml.safe_dump(config))
    proc = start(
        pinned(
            [
                sys.executable,
                "-m",
                "watchdog",
                "--log-format",
                "json",
                "--log-level",
                "warning",
                "run",
                "-c",
                str(config_file),
            ],
            DAEMON_CORE,
        ),
        work / "daemon.log",
        env={"PYTHONPATH": str(REPO)},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/-/ready", timeout=interval + 30)
        time.sleep(interval)  # one full interval so every target is on its steady tick
        probes0, buckets0 = _daemon_figures(f"{base}/metrics")
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(duration)
        probes1, buckets1 = _daemon_figures(f"{base}/metrics")
        cpu1, t1 = cpu_seconds(proc.pid), time.monotonic()
        rss = rss_bytes(proc.pid)
    finally:
        stop(proc)
    window = [(b, c1 - c0) for (b, c1), (_, c0) in zip(buckets1, buckets0, strict=True)]
    probes = probes1 - probes0
    cpu = cpu1 - cpu0
    nonempty = [
        b for (b, c), (_, prev) in zip(window, [(0.0, 0.0), *window], strict=False) if c > prev
    ]
    return {
        "probes_per_second": probes / (t1 - t0),
        "expected_probes_per_second": targets / interval,
        "lag_p50_seconds": histogram_quantile(0.5, window),
        "lag_p99_seconds": histogram_quantile(0.99, window),
        "lag_max_bucket_upper_bound_seconds": max(nonempty) if nonempty else 0.0,
        "cpu_seconds_per_probe": cpu / probes if probes else None,
        "probes_per_cpu_second": probes / cpu if cpu else None,
        "rss_bytes": rss,
        "rss_bytes_per_target": rss / targets,
    }


async def _drive(
    blackbox: str, target_port: int, targets: int, rate: float, duration: float
) -> tuple[int, int]:
    """Ask blackbox for ``rate`` probes per second, evenly spaced; count successes."""
    ok = failed = 0
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            nonlocal ok, failed
            url = (
                f"{blackbox}/probe?module=http_2xx&target="
                f"http://127.0.0.1:{target_port}/t{i % targets}"
            )
            try:
                async with session.get(url) as response:
                    body = await response.text()
                ok += "probe_success 1" in body
                failed += "probe_success 1" not in body
            except aiohttp.ClientError:
                failed += 1

        tasks: list[asyncio.Task[None]] = []
        start_at = loop.time()
        total = int(rate * duration)
        for i in range(total):
            await asyncio.sleep(max(0.0, start_at + i / rate - loop.time()))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return ok, failed


def bench_blackbox(
    work: Path, target_port: int, targets: int, interval: float, duration: float
) -> dict[str, Any] | None:
    """The peer: blackbox_exporter probing the same target at the same rate."""
    binary = shutil.which("prometheus-blackbox-exporter")
    if binary is None:
        return None
    port = _free_port()
    config = work / "blackbox.yml"
    config.write_text(
        yaml.safe_dump({"modules": {"http_2xx": {"prober": "http", "timeout": "5s"}}})
    )
    proc = start(
        pinned(
            [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
            DAEMON_CORE,
        ),
        work / "blackbox.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/-/healthy")
        rate = targets / interval
        asyncio.run(_drive(base, target_port, targets, rate, min(interval, duration)))  # warm-up
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        ok, failed = asyncio.run(_drive(base, target_port, targets, rate, duration))
        cpu1, t1 = cpu_seconds(proc.pid), time.monotonic()
        rss = rss_bytes(proc.pid)
    finally:
        stop(proc)
    cpu = cpu1 - cpu0
    return {
        "probes_per_second": (ok + failed) / (t1 - t0),
        "failed_probes": failed,
        "cpu_seconds_per_probe": cpu / (ok + failed) if ok + failed else None,
        "probes_per_cpu_second": (ok + failed) / cpu if cpu else None,
        "rss_bytes": rss,
    }


def main() -> None:
    """Run both sides and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wd-bench-") as tmp:
        work = Path(tmp)
        target_port = _free_port()
        server = start(
            pinned([sys.executable, "-m", "bench.target_server", str(target_port)], LOAD_CORE),
            work / "target.log",
            env={"PYTHONPATH": str(REPO)},
        )
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {LOAD_CORE})
        try:
            wait_http(f"http://127.0.0.1:{target_port}/")
            ours = bench_daemon(work, target_port, args.targets, args.interval, args.duration)
            peer = bench_blackbox(work, target_port, args.targets, args.interval, args.duration)
        finally:
            stop(server)
    ratio = None
    if peer and peer["probes_per_cpu_second"] and ours["probes_per_cpu_second"]:
        ratio = ours["probes_per_cpu_second"] / peer["probes_per_cpu_second"]
    emit(
        "probe_throughput",
        {
            "benchmark": "probe_throughput",
            "targets": args.targets,
            "interval_seconds": args.interval,
            "window_seconds": args.duration,
            "monitor_watchdog": ours,
            "blackbox_exporter": peer,
            "probes_per_cpu_second_ratio_vs_blackbox": ratio,
            "aims": {"lag_p99_seconds_below": 0.05, "probes_per_cpu_second_ratio_at_least": 1.0},
        },
    )


if __name__ == "__main__":
    main()
