"""The reconcile probe end to end: an audit log dual-shipped to fake Loki and fake Elasticsearch.

Timeline: the pipeline starts at 22:14:00 (minute 0); windows are one minute, ``settle`` 5
minutes, ``max_settle`` 20 minutes, ``lookback`` 10 minutes; ten events per minute.
"""

from __future__ import annotations

import json

from tests.probes.reconcile.conftest import START, Pipeline
from tests.support.probe_harness import error_text, value, value_of

MINUTE = 60.0


def _es(outcome, metric):
    return value_of(outcome, f"watchdog_reconcile_{metric}", backend="es", stream="audit")


async def test_a_dropped_share_is_reported_per_window(pipeline: Pipeline):
    """Every tenth record never reaches ES: each window is 10 % short, then never reconciles."""
    pipeline.to_es.drop_share = 0.1
    await pipeline.traffic(12)
    first = await pipeline.run()  # 22:26: windows 22:16-22:20 are past settle
    assert _es(first, "records") == 9.0
    assert value(first, "watchdog_reconcile_records", backend="loki", stream="audit") == 10.0
    assert _es(first, "missing_ratio") == 0.1
    assert _es(first, "incomplete_windows") == 5.0
    assert "es/audit: 5 windows incomplete, first 2023-11-14T22:16:00Z (9 of 10)" in error_text(
        first
    )
    for _ in range(14):  # 22:27 … 22:40: every new window is 10 % short too
        await pipeline.traffic(1)
        outcome = await pipeline.run()
        assert _es(outcome, "missing_ratio") == 0.1
        assert _es(outcome, "records") == 9.0
    # Windows 22:16-22:19 passed max_settle (end + 20 min) by 22:40 and were given up.
    assert _es(outcome, "unreconciled_windows_total") == 4.0
    assert _es(outcome, "missing_records_total") == 4.0
    assert _es(outcome, "late_windows_total") == 0.0
    assert pipeline.to_es.lost_silently == 26


async def test_a_backend_behind_within_settle_is_not_reported(pipeline: Pipeline):
    """ES receives everything 150 s late, less than settle: never incomplete, never late."""
    pipeline.to_es.delay = 150
    behind_seen = False
    for _ in range(20):
        await pipeline.traffic(1)
        behind_seen |= len(pipeline.es.documents()) < len(pipeline.loki.lines())
        outcome = await pipeline.run()
        assert outcome.success, outcome.error
        assert _es(outcome, "incomplete_windows") == 0.0
        assert _es(outcome, "missing_ratio") in (0.0, None)
    assert behind_seen, "the delay must really have put ES behind Loki"
    assert _es(outcome, "records") == 10.0
    assert _es(outcome, "late_windows_total") == 0.0
    assert _es(outcome, "completeness_lag_seconds") == 5 * MINUTE


async def test_an_outage_is_incomplete_then_reconciles_late(pipeline: Pipeline):
    """ES takes nothing from minute 3 to 13 (the shipper buffers): the windows checked during
    the outage are incomplete; once it is back they reconcile, late, with their catch-up time."""
    await pipeline.traffic(3)
    pipeline.to_es.paused = True
    for _ in range(11):  # minutes 3-13 written during the outage; runs at 22:18 … 22:28
        await pipeline.traffic(1)
        during = await pipeline.run()
    # At 22:28 windows 22:17-22:22 (minutes 3-8) are past settle, all empty in ES.
    assert _es(during, "incomplete_windows") == 6.0
    assert _es(during, "missing_ratio") == 1.0
    assert _es(during, "completeness_lag_seconds") == 11 * MINUTE  # since 22:17
    assert "es/audit: 6 windows incomplete, first 2023-11-14T22:17:00Z (0 of 10)" in error_text(
        during
    )
    pipeline.to_es.paused = False  # the buffered records are delivered at the next pump
    await pipeline.traffic(1)
    after = await pipeline.run()  # 22:29
    assert after.success, after.error
    assert _es(after, "incomplete_windows") == 0.0
    assert _es(after, "late_windows_total") == 6.0
    assert _es(after, "catch_up_seconds") == 11 * MINUTE  # window 22:17 ended 22:18
    assert after.facts["late es/audit"] == "6 windows, last catch-up 11m"
    assert _es(after, "missing_ratio") == 0.0
    assert _es(after, "unreconciled_windows_total") == 0.0
    assert _es(after, "completeness_lag_seconds") == 5 * MINUTE


async def test_a_restart_finds_incomplete_windows_again(pipeline: Pipeline):
    """Memory is per process: a fresh one re-checks the lookback and reports the gap again."""
    pipeline.to_es.drop_share = 0.5
    await pipeline.traffic(12)
    assert _es(await pipeline.run(), "incomplete_windows") == 5.0
    pipeline.memory = type(pipeline.memory)()
    again = await pipeline.run()
    assert _es(again, "incomplete_windows") == 5.0
    assert _es(again, "missing_ratio") == 0.5


async def test_catch_up_is_capped_per_run(pipeline: Pipeline):
    """After an hour of history, at most max_windows_per_run windows per run and backend."""
    pipeline.overrides = {"lookback": "1h", "max_windows_per_run": 10}
    await pipeline.traffic(70, per_minute=1)
    backlog = []
    for _ in range(7):
        before = len(pipeline.es.requests_to("/audit-*/_count"))
        outcome = await pipeline.run()
        assert len(pipeline.es.requests_to("/audit-*/_count")) - before <= 10
        backlog.append(value(outcome, "watchdog_reconcile_backlog_windows", stream="audit"))
    # 55 eligible windows (23:24 back to 22:30): the newest first, then the oldest nine …
    assert backlog == [45.0, 35.0, 25.0, 15.0, 5.0, 0.0, 0.0]
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_reconcile_records", backend="loki", stream="audit") == 1.0


async def test_windows_beyond_a_retention_are_not_compared(pipeline: Pipeline):
    """ES keeps 30 minutes (the seed's shorter-lived secondary): older windows are left alone."""
    pipeline.overrides = {"lookback": "1h", "max_windows_per_run": 100}
    await pipeline.traffic(70, per_minute=1)
    config = pipeline.config()
    config["backends"][1]["retention"] = "30m"
    pipeline.overrides["backends"] = config["backends"]
    outcome = await pipeline.run()
    assert outcome.success, outcome.error
    now = START + 70 * MINUTE
    oldest = min(
        json.loads(r.body)["query"]["bool"]["filter"][0]["range"]["@timestamp"]["gte"]
        for r in pipeline.es.requests_to("/audit-*/_count")
    )
    assert oldest >= (now - 30 * MINUTE) * 1000
    assert outcome.facts["retention audit"] == "30 windows not compared: older than a retention"
