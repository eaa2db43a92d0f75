"""The ``loki`` probe against the API-true fake Loki."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from devstack.fakes.loki import FakeLoki
from devstack.fakes.server import Fault
from tests.support.probe_harness import (
    error_text,
    make_context,
    run_context,
    validate_target,
    value_of,
)


async def _probe(loki: FakeLoki, session: aiohttp.ClientSession, tmp_path: Path, **fields: object):
    config = {"kind": "loki", "url": loki.url, **fields}
    return await run_context(make_context(config, tmp_path, session, timeout=2.0))


async def test_ready_loki_passes_ready_and_failure_metrics(session, tmp_path):
    """A ready Loki: probe_loki_ready 1 and Loki's own failure series under their real names."""
    async with FakeLoki() as loki:
        loki.metrics["append_failures"] = 3
        outcome = await _probe(loki, session, tmp_path)
    assert outcome.success, outcome.error
    assert value_of(outcome, "probe_loki_ready") == 1.0
    assert value_of(outcome, "loki_distributor_ingester_append_failures_total") == 3.0
    assert (
        value_of(
            outcome,
            "loki_request_duration_seconds_count",
            route="loki_api_v1_push",
            status_code="500",
        )
        == 0.0
    )
    names = {key.name for key in outcome.series}
    assert "loki_request_duration_seconds_bucket" not in names
    assert "go_goroutines" not in names
    assert outcome.facts["version"] == "2.9.2"


async def test_not_ready_keeps_lokis_reason(session, tmp_path):
    """503 from /ready: up 1, success 0, and Loki's own reason is the error."""
    reason = "Ingester not ready: waiting for 15s after being ready"
    async with FakeLoki(ready_status=(503, reason + "\n")) as loki:
        outcome = await _probe(loki, session, tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == f"Loki not ready: {reason}"
    assert value_of(outcome, "probe_loki_ready") == 0.0


async def test_multiline_reason_is_joined(session, tmp_path):
    """The 'Some services are not Running' list becomes one line."""
    body = "Some services are not Running:\nStarting: 1\nRunning: 9\n"
    async with FakeLoki(ready_status=(503, body)) as loki:
        outcome = await _probe(loki, session, tmp_path, metrics=False)
    assert (
        outcome.error == "Loki not ready: Some services are not Running:; Starting: 1; Running: 9"
    )


async def test_extra_metrics_pass_through(session, tmp_path):
    """extra_metrics names are passed through as well."""
    async with FakeLoki() as loki:
        outcome = await _probe(loki, session, tmp_path, extra_metrics=["go_goroutines"])
    assert value_of(outcome, "go_goroutines") == 312.0


async def test_unexpected_status_is_down(session, tmp_path):
    """A 404 on /ready (not Loki, wrong URL) is up 0 with the status in the error."""
    async with FakeLoki(faults={"/ready": Fault("status", 404, "404 page not found")}) as loki:
        outcome = await _probe(loki, session, tmp_path)
    assert not outcome.up
    assert "answered HTTP 404: 404 page not found" in error_text(outcome)


async def test_broken_metrics_fail_the_check_but_keep_ready(session, tmp_path):
    """Garbage on /metrics: ready still reported, the check fails naming the metrics endpoint."""
    async with FakeLoki(faults={"/metrics": Fault("garbage")}) as loki:
        outcome = await _probe(loki, session, tmp_path)
    assert outcome.up
    assert not outcome.success
    assert value_of(outcome, "probe_loki_ready") == 1.0
    assert error_text(outcome).startswith("metrics: ")
    assert "malformed exposition" in outcome.error


async def test_hanging_loki_times_out(session, tmp_path):
    """A /ready that never answers costs one failed probe with the timeout as the error."""
    async with FakeLoki(faults={"/ready": Fault("hang")}) as loki:
        config = {"kind": "loki", "url": loki.url}
        outcome = await run_context(make_context(config, tmp_path, session, timeout=0.3))
    assert not outcome.up
    assert outcome.error == "probe timed out after 0.3s"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"extra_metrics": ["bad name"]}, "is not a valid metric name"),
        ({"metrics": "sometimes"}, "valid boolean"),
    ],
)
def test_config_refuses_bad_fields(fields, message):
    """Invalid loki fields are refused with the reason."""
    with pytest.raises(ValueError, match=message):
        validate_target("loki", url="http://loki:3100", **fields)
