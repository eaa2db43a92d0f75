"""The ``fluentbit`` probe against the API-true fake Fluent Bit."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.fakes.fluentbit import FakeFluentBit
from tests.fakes.server import Fault
from tests.support.probectx import make_context, run_target, series_value, target
from watchdog.clock import FakeClock
from watchdog.probes.runner import ProbeOutcome


async def _probe(
    fb: FakeFluentBit, session: aiohttp.ClientSession, tmp_path: Path, **fields: object
) -> ProbeOutcome:
    config = target("fluentbit", url=fb.url, **fields)
    return await run_target(make_context(config, session, tmp_path, timeout=2.0))


async def test_real_counters_pass_through_by_plugin_name(session, tmp_path):
    """Input and output counters arrive under Fluent Bit's names with the name label."""
    async with FakeFluentBit() as fb:
        fb.receive(120)
        fb.ship("loki.0", 100)
        fb.fail("es.1", chunks=2, records=30, retry_failed=True)
        outcome = await _probe(fb, session, tmp_path)
    assert outcome.success, outcome.error
    assert series_value(outcome, "fluentbit_input_records_total", name="tail.0") == 120
    assert series_value(outcome, "fluentbit_output_proc_records_total", name="loki.0") == 100
    assert series_value(outcome, "fluentbit_output_proc_records_total", name="es.1") == 0
    assert series_value(outcome, "fluentbit_output_retries_failed_total", name="es.1") == 2
    assert series_value(outcome, "fluentbit_output_dropped_records_total", name="es.1") == 30
    assert series_value(outcome, "fluentbit_build_info", version="2.1.10") == 1
    assert series_value(outcome, "probe_fluentbit_healthy") == 1.0
    assert series_value(outcome, "process_start_time_seconds") is None
    assert outcome.facts["outputs"] == "es.1, loki.0"


async def test_health_error_is_a_failed_check(session, tmp_path):
    """Errors above HC_Errors_Count within HC_Period: health 500 'error' fails the check."""
    clock = FakeClock()
    async with FakeFluentBit(clock=clock, hc_errors_count=5, hc_period=60) as fb:
        fb.fail("loki.0", chunks=6)
        unhealthy = await _probe(fb, session, tmp_path)
        clock.advance(61)
        recovered = await _probe(fb, session, tmp_path)
    assert unhealthy.up
    assert not unhealthy.success
    assert unhealthy.error is not None
    assert "HC_Errors_Count" in unhealthy.error
    assert series_value(unhealthy, "probe_fluentbit_healthy") == 0.0
    assert recovered.success
    assert series_value(recovered, "probe_fluentbit_healthy") == 1.0


async def test_health_check_disabled(session, tmp_path):
    """Without Health_Check the endpoint is 404: fine for auto, a failure for required."""
    async with FakeFluentBit(health_check=False) as fb:
        auto = await _probe(fb, session, tmp_path)
        required = await _probe(fb, session, tmp_path, health="required")
        off = await _probe(fb, session, tmp_path, health="off")
    assert auto.success
    assert auto.facts["health"] == "not enabled"
    assert series_value(auto, "probe_fluentbit_healthy") is None
    assert not required.success
    assert required.error is not None
    assert "Health_Check On" in required.error
    assert off.success
    assert not fb.requests_to("/api/v1/health")[2:]


async def test_metrics_not_yet_available(session, tmp_path):
    """Right after start the metrics endpoint answers 404: up 0, the status in the error."""
    async with FakeFluentBit(started=False) as fb:
        outcome = await _probe(fb, session, tmp_path)
    assert not outcome.up
    assert outcome.error is not None
    assert "answered HTTP 404" in outcome.error


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("garbage"), "malformed exposition"),
        (Fault("huge"), "byte limit"),
        (Fault("status", 500, "boom"), "answered HTTP 500"),
    ],
)
async def test_hostile_metrics_answers(session, tmp_path, fault, expected):
    """Broken metrics answers are one failed probe with a precise error."""
    async with FakeFluentBit(faults={"/api/v1/metrics": fault}) as fb:
        config = target("fluentbit", url=fb.url)
        ctx = make_context(config, session, tmp_path, timeout=2.0, body_size_limit=1024 * 1024)
        outcome = await run_target(ctx)
    assert not outcome.up
    assert outcome.error is not None
    assert expected in outcome.error


def test_metrics_path_must_be_absolute():
    """metrics_path without a leading slash is refused."""
    with pytest.raises(ValueError, match="must start with '/'"):
        target("fluentbit", url="http://fb:2020", metrics_path="api/v2/metrics/prometheus")
