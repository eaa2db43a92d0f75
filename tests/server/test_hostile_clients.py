"""The real daemon, short of file descriptors, under a hostile client: it keeps probing,
keeps answering, and keeps its logs JSON.

The daemon runs with RLIMIT_NOFILE 256, so the flood (600 half-open sockets held and
re-opened as soon as they are closed, slowloris heads, slow bodies) is several times its
whole descriptor budget; before the connection guard, a quarter of this blinded it.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devstack.pki import make_test_pki
from devstack.polling import wait_for
from devstack.procs import free_port
from tests.support.components import Running, start_daemon
from tests.support.hostileclient import HostileClient
from tests.support.httpsink import HttpSink

pytestmark = pytest.mark.slow

NOFILE = 256
ATTACK_SECONDS = 6.0
HB_PATH = "/api/v1/heartbeat"


@pytest.fixture
def room_for_the_attack() -> Iterator[None]:
    """This test process itself needs about a thousand sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 4096)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def scrape(daemon: Running) -> dict[str, float]:
    """The daemon's /metrics as {'name{labels}': value}."""
    with urllib.request.urlopen(f"{daemon.url}/metrics", timeout=10) as response:  # noqa: S310
        lines = response.read().decode().splitlines()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in lines
        if line and not line.startswith("#")
    }


def targets_up(daemon: Running) -> list[str]:
    """Health of every target, per /api/v1/targets."""
    url = f"{daemon.url}/api/v1/targets"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        active = json.loads(response.read())["data"]["activeTargets"]
    return [target["health"] for target in active]


def daemon_config(tmp_path: Path, port: int, web: HttpSink) -> dict[str, Any]:
    """Five healthy targets (HTTP, TCP, a certificate file) and a tight server budget."""
    pki = make_test_pki(tmp_path / "pki")
    cert, _key = pki.write_server("served", pki.valid)
    targets: list[dict[str, Any]] = [
        {"job": f"web-{n}", "kind": "http", "url": web.url(f"/ok/{n}")} for n in range(3)
    ]
    targets.append({"job": "tcp", "kind": "tcp", "address": f"127.0.0.1:{web.port}"})
    targets.append({"job": "cert", "kind": "certfile", "paths": [str(cert)]})
    return {
        "global": {"interval": "1s", "timeout": "1s", "evaluation_interval": "1s"},
        "server": {
            "listen": f"127.0.0.1:{port}",
            "max_connections": 64,
            "reserved_fds": 128,
            "header_timeout": "1s",
            "body_timeout": "2s",
            "idle_timeout": "5s",
        },
        "targets": targets,
        "alerting": {"heartbeat_in": {"window": "5m"}},
    }


async def poll_healthy(port: int, seconds: float) -> list[int | str]:
    """GET /-/healthy from 127.0.0.1 every 200 ms on a fresh connection; each outcome."""
    outcomes: list[int | str] = []
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.1", 0), force_close=True)
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/-/healthy") as response:
                    outcomes.append(response.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                outcomes.append(type(exc).__name__)
            await asyncio.sleep(0.2)
    return outcomes


async def test_flood_of_hostile_connections_blinds_nothing(
    tmp_path: Path, room_for_the_attack: None
) -> None:
    """600 half-open sockets (one host), 20 slowloris heads and 10 slow bodies (two others)
    against a daemon with 256 descriptors: every target stays up, /-/healthy answers every
    time, the flood is evicted, the slow heads and bodies time out, no accept() fails, every
    log line is JSON and none is an error."""
    web = HttpSink().start()
    port = free_port()
    daemon = start_daemon(tmp_path, daemon_config(tmp_path, port, web), port, nofile=NOFILE)
    try:
        wait_for(lambda: targets_up(daemon) == ["up"] * 5, timeout=30, message="every target up")
        half_open, slowloris, slow_body, health = await asyncio.gather(
            HostileClient(port, source="127.0.0.2").half_open(600, ATTACK_SECONDS),
            HostileClient(port, source="127.0.0.3").slowloris(20, ATTACK_SECONDS),
            HostileClient(port, source="127.0.0.4").slow_body(10, ATTACK_SECONDS, HB_PATH),
            poll_healthy(port, ATTACK_SECONDS),
        )
        metrics = scrape(daemon)
        after = targets_up(daemon)
    finally:
        daemon.stop()
        web.stop()

    assert health and set(health) == {200}, health
    assert after == ["up"] * 5
    assert half_open.closed_by_server > 600  # closed, and the re-opened ones too
    assert slowloris.closed_by_server >= 20  # each at its header deadline
    assert slow_body.answers.get("HTTP/1.1 408 Request Timeout", 0) >= 10, slow_body
    closed = 'watchdog_http_connections_closed_total{reason="%s"}'
    assert metrics[closed % "evicted"] > 600 - 64
    assert metrics[closed % "header_timeout"] >= 20
    assert metrics[closed % "body_timeout"] >= 10
    assert metrics["watchdog_http_accept_errors_total"] == 0
    assert metrics["process_max_fds"] == NOFILE
    assert sum(v for k, v in metrics.items() if k.startswith("watchdog_probe_failures_total")) == 0
    lines = [json.loads(line) for line in daemon.process.output().splitlines()]
    assert not [entry for entry in lines if entry["event"] == "target health changed"]
    assert not [entry for entry in lines if entry["level"] in ("error", "critical")]
