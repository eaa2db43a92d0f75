"""A dual-shipped audit stream for reconcile tests: an application → fake shipper → fake Loki and
fake Elasticsearch, on a FakeClock.

``traffic(minutes, per_minute)`` writes ``per_minute`` JSON audit events (each with a unique
``request.id``) at the start of each minute and lets the shipper read and deliver them; the
shipper stamps each record with the time it read it, as Fluent Bit's ``tail`` does, so both
backends file a record under the same minute. ``run()`` delivers what is due and probes once
with the target's memory, exactly as the scheduler would. Nothing sleeps.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.loki import FakeLoki
from devstack.fakes.shipper import FakeShipper, Route
from tests.support.probe_harness import make_context, run_context
from watchdog.clock import FakeClock
from watchdog.probes.base import TargetMemory
from watchdog.probes.runner import ProbeOutcome

START = 1_700_000_040.0
"""A minute boundary (1_700_000_040 = 28_333_334 * 60)."""


@dataclass
class Pipeline:
    """The fakes, the shipper and the reconcile target, wired together."""

    clock: FakeClock
    loki: FakeLoki
    es: FakeElasticsearch
    shipper: FakeShipper
    session: aiohttp.ClientSession
    workdir: Path
    log_file: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    timeout: float = 5.0
    memory: TargetMemory = field(default_factory=TargetMemory)
    written: int = 0

    @property
    def to_es(self) -> Route:
        """The shipper's route to Elasticsearch."""
        return self.shipper.routes["es"]

    def config(self) -> dict[str, Any]:
        """The reconcile target with any test overrides."""
        fields: dict[str, Any] = {
            "job": "audit-reconcile",
            "instance": "bastion-1",
            "kind": "reconcile",
            "backends": [
                {"name": "loki", "kind": "loki", "url": self.loki.url},
                {"name": "es", "kind": "elasticsearch", "url": self.es.url},
            ],
            "streams": [
                {
                    "name": "audit",
                    "loki": {"selector": '{job="vault-audit"}'},
                    "elasticsearch": {"index": "audit-*", "time_field": "@timestamp"},
                }
            ],
            "window": "1m",
            "settle": "5m",
            "max_settle": "20m",
            "lookback": "10m",
        }
        fields.update(self.overrides)
        return fields

    def write(self, count: int) -> list[str]:
        """Append ``count`` audit events to the log; their request ids."""
        ids = []
        with self.log_file.open("a", encoding="utf-8") as handle:
            for _ in range(count):
                self.written += 1
                request_id = f"req-{self.written:05d}"
                event = {"type": "response", "request": {"id": request_id, "path": "kv/app"}}
                handle.write(json.dumps(event) + "\n")
                ids.append(request_id)
        return ids

    async def traffic(self, minutes: int, per_minute: int = 10) -> None:
        """``per_minute`` events at the start of each of ``minutes`` minutes, shipped."""
        for _ in range(minutes):
            self.write(per_minute)
            await self.shipper.pump()
            self.clock.advance(60)
            await self.shipper.pump()

    async def run(self) -> ProbeOutcome:
        """Deliver what is due, then one probe run at the current fake time."""
        await self.shipper.pump()
        ctx = make_context(
            self.config(),
            self.workdir,
            self.session,
            clock=self.clock,
            timeout=self.timeout,
            memory=self.memory,
        )
        return await run_context(ctx)


@pytest.fixture
async def pipeline(tmp_path: Path, session: aiohttp.ClientSession) -> AsyncIterator[Pipeline]:
    """A started dual-ship pipeline at a minute boundary; every delivery is explicit."""
    clock = FakeClock(START)
    log_file = tmp_path / "audit.log"
    shipper = FakeShipper(log_file, clock, session)
    async with FakeLoki(clock=clock) as loki, FakeElasticsearch() as es:
        shipper.route("loki", Route("loki", loki.url, labels={"job": "vault-audit"}))
        shipper.route("es", Route("elasticsearch", es.url, index="audit-2023.11", parse_json=True))
        yield Pipeline(clock, loki, es, shipper, session, tmp_path, log_file)
