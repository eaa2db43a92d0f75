"""The ``fluentbit`` probe against the API-true fake Fluent Bit."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
import yaml

from devstack.fakes.fluentbit import FakeFluentBit
from devstack.fakes.server import Fault
from tests.support.components import REPO
from tests.support.probe_harness import (
    error_text,
    make_context,
    run_context,
    validate_target,
    value_of,
)
from tests.support.promtool import input_series, run_promtool_tests
from watchdog.clock import FakeClock
from watchdog.probes.runner import ProbeOutcome


async def _probe(
    fb: FakeFluentBit, session: aiohttp.ClientSession, tmp_path: Path, **fields: object
) -> ProbeOutcome:
    config = {"kind": "fluentbit", "url": fb.url, **fields}
    return await run_context(make_context(config, tmp_path, session, timeout=2.0))


async def test_real_counters_pass_through_by_plugin_name(session, tmp_path):
    """Input and output counters arrive under Fluent Bit's names with the name label."""
    async with FakeFluentBit() as fb:
        fb.receive(120)
        fb.ship("loki.0", 100)
        fb.fail("es.1", chunks=2, records=30, retry_failed=True)
        outcome = await _probe(fb, session, tmp_path)
    assert outcome.success, outcome.error
    assert value_of(outcome, "fluentbit_input_records_total", name="tail.0") == 120
    assert value_of(outcome, "fluentbit_output_proc_records_total", name="loki.0") == 100
    assert value_of(outcome, "fluentbit_output_proc_records_total", name="es.1") == 0
    assert value_of(outcome, "fluentbit_output_retries_failed_total", name="es.1") == 2
    assert value_of(outcome, "fluentbit_output_dropped_records_total", name="es.1") == 30
    assert value_of(outcome, "fluentbit_build_info", version="2.1.10") == 1
    assert value_of(outcome, "probe_fluentbit_healthy") == 1.0
    assert value_of(outcome, "process_start_time_seconds") is None
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
    assert "HC_Errors_Count" in error_text(unhealthy)
    assert value_of(unhealthy, "probe_fluentbit_healthy") == 0.0
    assert recovered.success
    assert value_of(recovered, "probe_fluentbit_healthy") == 1.0


async def test_health_check_disabled(session, tmp_path):
    """Without Health_Check the endpoint is 404: fine for auto, a failure for required."""
    async with FakeFluentBit(health_check=False) as fb:
        auto = await _probe(fb, session, tmp_path)
        required = await _probe(fb, session, tmp_path, health="required")
        off = await _probe(fb, session, tmp_path, health="off")
    assert auto.success
    assert auto.facts["health"] == "not enabled"
    assert value_of(auto, "probe_fluentbit_healthy") is None
    assert not required.success
    assert "Health_Check On" in error_text(required)
    assert off.success
    assert not fb.requests_to("/api/v1/health")[2:]


async def test_metrics_not_yet_available(session, tmp_path):
    """Right after start the metrics endpoint answers 404: up 0, the status in the error."""
    async with FakeFluentBit(started=False) as fb:
        outcome = await _probe(fb, session, tmp_path)
    assert not outcome.up
    assert "answered HTTP 404" in error_text(outcome)


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
        config = {"kind": "fluentbit", "url": fb.url}
        ctx = make_context(config, tmp_path, session, timeout=2.0, body_size_limit=1024 * 1024)
        outcome = await run_context(ctx)
    assert not outcome.up
    assert expected in error_text(outcome)


def test_metrics_path_must_be_absolute():
    """metrics_path without a leading slash is refused."""
    with pytest.raises(ValueError, match="must start with '/'"):
        validate_target("fluentbit", url="http://fb:2020", metrics_path="api/v2/metrics/prometheus")


SEED_RULE = """groups:
  - name: seed
    rules:
      - alert: LogPipelineDown
        expr: >
          rate(fluentbit_output_records_total[5m]) == 0
          and rate(fluentbit_input_records_total[5m]) > 0
        for: 5m
"""


async def _stalled_output_history(session, tmp_path) -> list:
    """21 one-minute probes: tail.0 and loki.0 keep flowing, es.1 stops after minute 5."""
    clock = FakeClock()
    outcomes = []
    async with FakeFluentBit(clock=clock) as fb:
        for minute in range(21):
            if minute:
                fb.receive(60)
                fb.ship("loki.0", 60)
                if minute <= 5:
                    fb.ship("es.1", 60)
            outcomes.append(await _probe(fb, session, tmp_path))
            clock.advance(60)
    return outcomes


async def test_receiving_not_shipping_fires_the_shipped_rule(session, tmp_path):
    """Real probe output, evaluated by promtool with config/rules/fluentbit.yaml: it fires."""
    outcomes = await _stalled_output_history(session, tmp_path)
    instance = next(iter(outcomes[0].series)).get("instance")
    rule_file = REPO / "config" / "rules" / "fluentbit.yaml"
    labels = {"job": "fluentbit", "instance": instance, "name": "es.1", "severity": "critical"}
    test = {
        "rule_files": [str(rule_file)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": input_series(outcomes),
                "alert_rule_test": [
                    {"eval_time": "14m", "alertname": "LogPipelineDown", "exp_alerts": []},
                    {
                        "eval_time": "15m",
                        "alertname": "LogPipelineDown",
                        "exp_alerts": [
                            {
                                "exp_labels": labels,
                                "exp_annotations": {
                                    "summary": "Log pipeline receiving data but not shipping. "
                                    "Logs are being dropped.",
                                    "description": f"Fluent Bit {instance} receives records but "
                                    "output es.1 has shipped none for 5 minutes.",
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    }
    test_file = tmp_path / "pipeline_test.yaml"
    test_file.write_text(yaml.safe_dump(test))
    result = run_promtool_tests([test_file])
    assert result.returncode == 0, result.stdout + result.stderr


async def test_the_seed_rule_never_fires_on_the_same_data(session, tmp_path):
    """The seed's rule names fluentbit_output_records_total, which Fluent Bit never exposes."""
    outcomes = await _stalled_output_history(session, tmp_path)
    assert not any(k.name == "fluentbit_output_records_total" for k in outcomes[-1].series)
    (tmp_path / "seed.yaml").write_text(SEED_RULE)
    test = {
        "rule_files": ["seed.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": input_series(outcomes),
                "alert_rule_test": [
                    {"eval_time": f"{m}m", "alertname": "LogPipelineDown", "exp_alerts": []}
                    for m in range(0, 21, 5)
                ],
            }
        ],
    }
    test_file = tmp_path / "seed_test.yaml"
    test_file.write_text(yaml.safe_dump(test))
    result = run_promtool_tests([test_file])
    assert result.returncode == 0, result.stdout + result.stderr
