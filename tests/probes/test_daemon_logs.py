"""The four log-pipeline kinds inside the real daemon, against the fakes, in real time."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.fluentbit import FakeFluentBit
from devstack.fakes.loki import FakeLoki
from devstack.fakes.shipper import FakeShipper, Route
from devstack.polling import async_wait_for
from tests.support.components import start_daemon
from watchdog.clock import SystemClock

pytestmark = pytest.mark.slow


async def _pump_forever(shipper: FakeShipper) -> None:
    while True:
        await shipper.pump()
        await asyncio.sleep(0.05)


async def test_daemon_runs_every_log_kind(tmp_path: Path, session: aiohttp.ClientSession):
    """Configured in a real daemon, each kind probes its fake and the canary is found in both."""
    clock = SystemClock()
    log_file = tmp_path / "canary.log"
    shipper = FakeShipper(log_file, clock, session)
    async with FakeLoki() as loki, FakeElasticsearch(status="yellow") as es, FakeFluentBit() as fb:
        shipper.route("loki", Route("loki", loki.url))
        shipper.route("es", Route("elasticsearch", es.url, delay=1.0))
        pump = asyncio.create_task(_pump_forever(shipper))
        config: dict[str, Any] = {
            "global": {"interval": "1s", "timeout": "1s"},
            "targets": [
                {"job": "loki", "kind": "loki", "url": loki.url},
                {"job": "elasticsearch", "kind": "elasticsearch", "url": es.url},
                {"job": "fluentbit", "kind": "fluentbit", "url": fb.url},
                {
                    "job": "log-canary",
                    "kind": "logcanary",
                    "emit": {"kind": "file", "path": str(log_file)},
                    "min_emit_interval": "1s",
                    "deadline": "30s",
                    "backends": [
                        {
                            "name": "loki",
                            "kind": "loki",
                            "url": loki.url,
                            "selector": '{job="fluent-bit"}',
                        },
                        {"name": "es", "kind": "elasticsearch", "url": es.url, "index": "logs-*"},
                    ],
                },
            ],
        }
        daemon = await asyncio.to_thread(start_daemon, tmp_path / "daemon", config)
        try:

            async def targets() -> dict[str, Any] | None:
                async with session.get(f"{daemon.url}/api/v1/targets") as response:
                    data = await response.json()
                by_job = {t["labels"]["job"]: t for t in data["data"]["activeTargets"]}
                canary = by_job["log-canary"]
                found = all(
                    canary["facts"].get(f"backend {name}", "").startswith("found")
                    for name in ("loki", "es")
                )
                return by_job if found else None

            by_job = await async_wait_for(targets, timeout=20, message="canary found in both")
        finally:
            await asyncio.to_thread(daemon.stop)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
    for job in ("loki", "elasticsearch", "fluentbit", "log-canary"):
        assert by_job[job]["health"] == "up", by_job[job]
    assert by_job["elasticsearch"]["facts"]["status"] == "yellow"
    assert by_job["log-canary"]["success"], by_job["log-canary"]["lastError"]
    assert list((tmp_path / "daemon" / "state" / "logcanary").glob("*.json"))
