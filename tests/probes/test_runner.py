"""The shared probe runner: every kind's failure modes end as one failed probe."""

import asyncio
from pathlib import Path
from typing import Literal

import pytest

from tests.support.probe_harness import load_spec, run_target, value
from watchdog.clock import FakeClock
from watchdog.config.targets import TargetBase
from watchdog.probes import PROBES
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.runner import GENERIC_SERIES, TARGET_INFO, ProbeOutcome
from watchdog.samples import Sample


class FakeTarget(TargetBase):
    """A target for the runner tests."""

    kind: Literal["fake"]
    behaviour: str = "ok"


async def _fake(ctx: ProbeContext[FakeTarget]) -> ProbeResult:
    behaviour = ctx.config.behaviour
    if behaviour == "hang":
        await asyncio.Event().wait()
    if behaviour == "raise":
        raise KeyError("boom")
    if behaviour == "probe-error":
        raise ProbeError("target said no")
    if behaviour == "not-a-result":
        return "garbage"  # type: ignore[return-value]
    if behaviour == "bad-name":
        return ProbeResult([Sample("bad name", 1.0)])
    if behaviour == "bad-value":
        return ProbeResult([Sample("x", "1")])
    if behaviour == "many":
        return ProbeResult([Sample("x", 1.0, {"i": str(i)}) for i in range(50)])
    if behaviour == "duplicate":
        return ProbeResult([Sample("x", 1.0), Sample("x", 2.0)])
    if behaviour == "unhealthy":
        return ProbeResult([Sample("x", 0.0)], failure="cluster is red", facts={"status": "red"})
    return ProbeResult([Sample("x", 42.0, {"job": "exported", "instance": "inner", "shard": "1"})])


@pytest.fixture(autouse=True)
def fake_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the fake kind for these tests only."""
    monkeypatch.setitem(PROBES, "fake", ProbeKind("fake", FakeTarget, _fake, "test kind"))


async def _run(tmp_path: Path, behaviour: str, **extra: object) -> ProbeOutcome:
    spec = load_spec({"job": "j", "kind": "fake", "behaviour": behaviour, **extra}, tmp_path)
    return await run_target(spec, tmp_path, clock=FakeClock(1000.0))


async def test_success_adds_up_duration_success_and_renames_clashes(tmp_path: Path) -> None:
    """A good probe yields up=1, probe_success=1, and clashing labels become exported_*."""
    outcome = await _run(tmp_path, "ok")
    assert outcome.up and outcome.success and outcome.error is None
    assert value(outcome, "up", job="j", instance="j") == 1.0
    assert value(outcome, "probe_success") == 1.0
    assert value(outcome, "probe_duration_seconds") >= 0.0
    assert value(outcome, "x", exported_job="exported", exported_instance="inner", job="j") == 42
    assert outcome.started == 1000.0


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("hang", "probe timed out after 0.2s"),
        ("raise", "probe crashed: KeyError: 'boom'"),
        ("probe-error", "target said no"),
        ("not-a-result", "probe returned str, not a ProbeResult"),
        ("bad-name", "probe returned an invalid sample"),
        ("bad-value", "sample x has a non-numeric value"),
        ("duplicate", 'duplicate series x{instance="j", job="j"} in one probe'),
    ],
)
async def test_failures_become_one_failed_probe(tmp_path: Path, behaviour: str, error: str) -> None:
    """Hangs, crashes, garbage: up=0, only the synthetic series, and a precise error."""
    outcome = await _run(tmp_path, behaviour, timeout="200ms", interval="1s")
    assert not outcome.up and not outcome.success
    assert outcome.error.startswith(error)
    assert {k.name for k in outcome.series} == GENERIC_SERIES
    assert value(outcome, "up") == 0.0
    (info,) = [k for k in outcome.series if k.name == TARGET_INFO]
    assert dict(info) == {"__name__": TARGET_INFO, "job": "j", "instance": "j", "kind": "fake"}
    assert outcome.series[info] == 1.0


async def test_series_limit_fails_the_probe(tmp_path: Path) -> None:
    """A target exposing more series than its limit fails as a whole, like sample_limit."""
    outcome = await _run(tmp_path, "many", series_limit=10)
    assert not outcome.up
    assert outcome.error == "target exposed 50 series, over the limit of 10"


async def test_unhealthy_answer_is_up_but_not_successful(tmp_path: Path) -> None:
    """A component that answers but is unhealthy: up=1, probe_success=0, reason kept."""
    outcome = await _run(tmp_path, "unhealthy")
    assert outcome.up and not outcome.success
    assert outcome.error == "cluster is red"
    assert outcome.facts == {"status": "red"}
    assert value(outcome, "x") == 0.0
    assert value(outcome, "probe_success") == 0.0
