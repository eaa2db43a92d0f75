"""A dual-ship pipeline for canary tests: file → fake shipper → fake Loki and fake Elasticsearch.

Time is a FakeClock; ``step(seconds)`` advances it, lets the shipper deliver what is due, runs
the probe once, and lets the shipper read the line just emitted (a tailing shipper reads new
lines at once) — so every lag is exact and nothing sleeps. ``memory`` is the target's memory as
the scheduler keeps it; a new one is what a restarted daemon has.
"""

from __future__ import annotations

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

SELECTOR = '{job="fluent-bit"}'


@dataclass
class Pipeline:
    """The fakes, the shipper and the canary target, wired together."""

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

    @property
    def state_dir(self) -> Path:
        """The daemon's state directory."""
        return self.workdir / "state"

    @property
    def to_loki(self) -> Route:
        """The shipper's route to Loki."""
        return self.shipper.routes["loki"]

    @property
    def to_es(self) -> Route:
        """The shipper's route to Elasticsearch."""
        return self.shipper.routes["es"]

    def backends(self) -> list[dict[str, Any]]:
        """The two backends as config."""
        return [
            {"name": "loki", "kind": "loki", "url": self.loki.url, "selector": SELECTOR},
            {"name": "es", "kind": "elasticsearch", "url": self.es.url, "index": "logs-*"},
        ]

    def config(self) -> dict[str, Any]:
        """The canary target (file emission) with any test overrides."""
        fields: dict[str, Any] = {
            "job": "log-canary",
            "instance": "bastion-1",
            "kind": "logcanary",
            "emit": {"kind": "file", "path": str(self.log_file)},
            "backends": self.backends(),
            "deadline": "2m",
            "min_emit_interval": "10s",
        }
        fields.update(self.overrides)
        return fields

    async def run(self) -> ProbeOutcome:
        """One probe run at the current fake time; the shipper then reads the new line."""
        ctx = make_context(
            self.config(),
            self.workdir,
            self.session,
            clock=self.clock,
            timeout=self.timeout,
            memory=self.memory,
        )
        outcome = await run_context(ctx)
        await self.shipper.pump()
        return outcome

    async def step(self, seconds: float) -> ProbeOutcome:
        """Advance time, let the shipper deliver what is due, run the probe."""
        self.clock.advance(seconds)
        await self.shipper.pump()
        return await self.run()


@pytest.fixture
async def pipeline(tmp_path: Path, session: aiohttp.ClientSession) -> AsyncIterator[Pipeline]:
    """A started dual-ship pipeline; every delivery is explicit."""
    clock = FakeClock()
    log_file = tmp_path / "canary.log"
    shipper = FakeShipper(log_file, clock, session)
    async with FakeLoki(clock=clock) as loki, FakeElasticsearch() as es:
        shipper.route("loki", Route("loki", loki.url))
        shipper.route("es", Route("elasticsearch", es.url, index="logs-canary"))
        yield Pipeline(clock, loki, es, shipper, session, tmp_path, log_file)
