"""The logcanary probe end to end: a tailed file, a dual-shipping fake shipper, Loki and ES."""

from __future__ import annotations

from devstack.fakes.shipper import flip_last_char
from tests.probes.logcanary.conftest import Pipeline
from tests.support.probe_harness import error_text, make_context, run_context, value_of
from watchdog.probes import PROBES
from watchdog.probes.base import TargetMemory
from watchdog.probes.kinds.logcanary.persist import StateFile


def _value(outcome, metric, backend):
    return value_of(outcome, f"probe_logcanary_{metric}", backend=backend)


async def test_reports_the_lag_of_each_backend(pipeline: Pipeline):
    """Loki ships at once, ES 20 s late: lag 10 s and 20 s at 10 s resolution, divergence 10."""
    pipeline.to_es.delay = 20
    first = await pipeline.run()
    assert first.success, first.error
    assert _value(first, "outstanding", "loki") == 1.0
    await pipeline.step(10)
    outcome = await pipeline.step(10)
    assert outcome.success, outcome.error
    assert _value(outcome, "lag_seconds", "loki") == 10.0
    assert _value(outcome, "lag_seconds", "es") == 20.0
    assert _value(outcome, "found", "es") == 1.0
    assert (
        value_of(outcome, "probe_logcanary_lag_divergence_seconds", backend="es", primary="loki")
        == 10.0
    )
    assert value_of(outcome, "probe_logcanary_lag_divergence_seconds", backend="loki") is None
    assert value_of(outcome, "probe_logcanary_emitted_total") == 3.0
    assert outcome.facts["backend es"] == "found, lag 20.0s"


async def test_a_dropped_canary_is_lost_after_the_deadline(pipeline: Pipeline):
    """ES never gets the first canary: pending until 2 min, then lost; Loki unaffected."""
    pipeline.to_es.drop_next = 1
    await pipeline.run()
    for _ in range(11):
        outcome = await pipeline.step(10)
        assert _value(outcome, "lost", "es") == 0.0
    outcome = await pipeline.step(10)  # 120 s after the first canary
    assert _value(outcome, "lost", "es") == 1.0
    assert _value(outcome, "lost_total", "es") == 1.0
    assert _value(outcome, "lost", "loki") == 0.0
    assert _value(outcome, "found", "loki") == 1.0
    # Newer canaries did reach ES, so its newest verdict is "found": one loss shows in the
    # lost series (and the LogCanaryLost rule), not as a failing check.
    assert _value(outcome, "found", "es") == 1.0
    assert outcome.success
    assert outcome.facts["lost now"].startswith("es:")


async def test_backend_that_stops_ingesting_while_ready(pipeline: Pipeline):
    """Loki answers /ready 200 but rejects pushes: the canary declares it lost, ES is fine."""
    pipeline.loki.push_error = (500, "at least 1 live replicas required, could only find 0")
    await pipeline.run()
    outcome = None
    for _ in range(12):
        outcome = await pipeline.step(10)
    assert outcome is not None
    assert _value(outcome, "found", "loki") == 0.0
    assert _value(outcome, "lost", "loki") == 1.0
    assert _value(outcome, "found", "es") == 1.0
    assert "loki: newest canary lost (not found within 120s)" in error_text(outcome)
    assert _value(outcome, "last_found_age_seconds", "loki") == 120.0
    loki = {"kind": "loki", "url": pipeline.loki.url}
    ready = await run_context(make_context(loki, pipeline.workdir / "loki", pipeline.session))
    assert ready.success
    assert value_of(ready, "probe_loki_ready") == 1.0
    assert pipeline.to_loki.rejected == 13


async def test_a_mangled_line_is_a_checksum_mismatch(pipeline: Pipeline):
    """ES stores the line with one byte changed: mismatch counted, not found, failure said."""
    pipeline.to_es.mangle = flip_last_char
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert _value(outcome, "checksum_mismatches_total", "es") == 1.0
    assert _value(outcome, "found", "es") == 0.0
    assert _value(outcome, "checksum_mismatches_total", "loki") == 0.0
    assert "es: newest canary arrived altered (checksum mismatch)" in error_text(outcome)


async def test_a_secondary_that_falls_behind(pipeline: Pipeline):
    """ES 45 s behind: divergence climbs while ES has nothing, then holds at 40 s."""
    pipeline.to_es.delay = 45
    await pipeline.run()
    divergences = []
    for _ in range(12):
        outcome = await pipeline.step(10)
        divergences.append(
            value_of(outcome, "probe_logcanary_lag_divergence_seconds", backend="es")
        )
    assert divergences == [0.0, 10.0, 20.0, 30.0] + [40.0] * 8
    assert _value(outcome, "lag_seconds", "es") == 50.0
    assert _value(outcome, "lag_seconds", "loki") == 10.0
    assert outcome.success


async def test_lag_survives_a_restart(pipeline: Pipeline):
    """Outstanding canaries are persisted: after a restart the old canary is still matched."""
    pipeline.to_loki.delay = 25
    await pipeline.run()
    await pipeline.step(10)
    pipeline.memory = TargetMemory()  # the daemon restarts; state comes back from state_dir
    await pipeline.step(10)
    outcome = await pipeline.step(10)
    assert _value(outcome, "lag_seconds", "loki") == 30.0
    assert value_of(outcome, "probe_logcanary_emitted_total") == 4.0


async def test_a_removed_target_starts_fresh_when_added_again(pipeline: Pipeline):
    """Removal drops the state in memory and on disk: old canaries are not counted as lost."""
    pipeline.to_loki.drop_next = 1
    await pipeline.run()
    await pipeline.step(10)
    key = "log-canary/bastion-1"
    state_path = StateFile(pipeline.state_dir, key).path
    assert state_path.exists()
    # What the scheduler does when a reload removes the target:
    forget = PROBES["logcanary"].forget
    assert forget is not None
    forget(pipeline.state_dir, key)
    pipeline.memory = TargetMemory()
    assert not state_path.exists()
    pipeline.clock.advance(600)  # re-added long after the dropped canary's deadline
    outcome = await pipeline.step(10)
    assert value_of(outcome, "probe_logcanary_emitted_total") == 1.0
    assert _value(outcome, "lost_total", "loki") == 0.0


async def test_emission_is_rate_limited(pipeline: Pipeline):
    """Runs closer than min_emit_interval emit no new canary."""
    await pipeline.run()
    outcome = await pipeline.step(4)
    assert value_of(outcome, "probe_logcanary_emitted_total") == 1.0
    assert outcome.facts["emit"].startswith("rate limited")
    assert pipeline.log_file.read_text().count("\n") == 1


async def test_emit_failure_still_searches(pipeline: Pipeline):
    """An unwritable input fails the check, yet the backends are still searched."""
    await pipeline.run()
    pipeline.overrides["emit"] = {"kind": "file", "path": str(pipeline.log_file.parent / "x/y")}
    outcome = await pipeline.step(10)
    assert value_of(outcome, "probe_logcanary_emit_success") == 0.0
    assert error_text(outcome).startswith("emit: cannot append to")
    assert _value(outcome, "found", "loki") == 1.0


async def test_queries_are_bounded(pipeline: Pipeline):
    """Loki gets a line filter on the id, a time range, limit and direction; ES size and _source."""
    await pipeline.run()
    query = pipeline.loki.requests_to("/loki/api/v1/query_range")[0].query
    canary_id = pipeline.log_file.read_text().split(" id=")[1].split()[0]
    assert query["query"] == f'{{job="fluent-bit"}} |= "{canary_id}"'
    assert (query["limit"], query["direction"]) == ("100", "forward")
    assert int(query["end"]) - int(query["start"]) == 120 * 10**9
    import json

    body = json.loads(pipeline.es.requests_to("/logs-*/_search")[0].body)
    assert body["size"] == 100
    assert body["_source"] == ["log"]
    assert body["query"]["bool"]["should"] == [{"match_phrase": {"log": canary_id}}]
