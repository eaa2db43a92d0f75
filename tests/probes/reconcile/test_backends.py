"""How the reconcile probe asks each kind of backend, and what it does when one misbehaves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from devstack.fakes.server import Fault
from tests.probes.reconcile.conftest import START, Pipeline
from tests.support.probe_harness import error_text, value, value_of
from tests.support.webapp import serve

COUNT = "/audit-*/_count"


def _es(outcome, metric):
    return value_of(outcome, f"watchdog_reconcile_{metric}", backend="es", stream="audit")


async def test_a_failing_backend_is_not_judged_until_it_answers(pipeline: Pipeline):
    """_count answers 503: nothing is called missing; once it answers, the windows reconcile."""
    await pipeline.traffic(8)
    pipeline.es.faults[COUNT] = Fault("status", 503, '{"error": "unavailable"}')
    down = await pipeline.run()
    assert _es(down, "query_success") == 0.0
    assert _es(down, "incomplete_windows") == 0.0
    assert "es/audit: _count failed: HTTP 503" in error_text(down)
    assert _es(down, "completeness_lag_seconds") == 10 * 60  # since the oldest window, 22:12
    del pipeline.es.faults[COUNT]
    up = await pipeline.run()
    assert up.success, up.error
    assert _es(up, "query_success") == 1.0
    assert _es(up, "late_windows_total") == 0.0
    assert _es(up, "uncompared_windows_total") == 0.0


async def test_a_partial_answer_is_not_a_count(pipeline: Pipeline):
    """A _count with a failed shard is an error, never a shortfall."""
    await pipeline.traffic(8)
    pipeline.es.failed_shards = 1
    outcome = await pipeline.run()
    assert _es(outcome, "incomplete_windows") == 0.0
    assert _es(outcome, "missing_ratio") is None
    assert "_count incomplete: timed_out=None, failed shards=1" in error_text(outcome)


async def test_windows_never_compared_are_counted_as_such(pipeline: Pipeline):
    """ES down past max_settle: the window is given up as uncompared, not as unreconciled."""
    pipeline.es.faults[COUNT] = Fault("status", 503, "down")
    await pipeline.traffic(8)
    for _ in range(11):  # 22:22 … 22:32; window 22:12 (the oldest) is overdue at 22:33
        outcome = await pipeline.run()
        pipeline.clock.advance(60)
    outcome = await pipeline.run()  # 22:33
    assert _es(outcome, "uncompared_windows_total") == 1.0
    assert _es(outcome, "unreconciled_windows_total") == 0.0
    assert "es/audit: window 2023-11-14T22:12:00Z not reconciled within max_settle" in (
        error_text(outcome)
    )


async def test_a_hanging_backend_costs_only_its_own_lane(pipeline: Pipeline):
    """ES never answers: Loki's counts still arrive and the run ends within its budget."""
    pipeline.timeout = 1.0
    await pipeline.traffic(8)
    pipeline.es.faults[COUNT] = Fault("hang")
    outcome = await pipeline.run()
    assert outcome.up
    assert value(outcome, "watchdog_reconcile_query_success", backend="loki", stream="audit") == 1
    assert value(outcome, "watchdog_reconcile_records", backend="loki", stream="audit") == 10
    assert _es(outcome, "query_success") == 0.0
    assert "es/audit: no answer within" in error_text(outcome)
    assert len(pipeline.es.requests_to(COUNT)) == 1


async def test_a_refused_query_is_not_repeated_in_the_run(pipeline: Pipeline):
    """Loki refuses the pipeline: one query, its reason reported, no other window asked."""
    stream = pipeline.config()["streams"][0]
    pipeline.overrides["streams"] = [{**stream, "loki": {**stream["loki"], "pipeline": "| json"}}]
    await pipeline.traffic(8)
    outcome = await pipeline.run()
    assert len(pipeline.loki.requests_to("/loki/api/v1/query")) == 1
    assert "loki/audit: Loki query answered HTTP 400: parse error" in error_text(outcome)
    assert _es(outcome, "incomplete_windows") == 0.0


async def test_loki_is_asked_for_exactly_the_window(pipeline: Pipeline):
    """A record stamped exactly at a window's start belongs to that window in both backends."""
    boundary = START + 120  # 22:16:00.000
    ns = str(int(boundary) * 10**9)
    async with pipeline.session.post(
        f"{pipeline.loki.url}/loki/api/v1/push",
        json={"streams": [{"stream": {"job": "vault-audit"}, "values": [[ns, "edge"]]}]},
    ) as response:
        assert response.status == 204
    stamp = datetime.fromtimestamp(boundary, UTC).isoformat(timespec="milliseconds")
    pipeline.es.indices["audit-2023.11"] = [{"@timestamp": stamp, "log": "edge"}]
    pipeline.clock.set(START + 8 * 60)  # 22:22: window 22:16 is the newest past settle
    outcome = await pipeline.run()
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_reconcile_records", backend="loki", stream="audit") == 1
    assert _es(outcome, "records") == 1.0
    query = pipeline.loki.requests_to("/loki/api/v1/query")[0].query
    assert query["query"] == 'sum(count_over_time({job="vault-audit"} [60s]))'


@pytest.fixture
async def archive(pipeline: Pipeline) -> AsyncIterator[dict[str, Any]]:
    """A generic HTTP count API over the fake Loki's entries, answering ``{"result":{"count"}}``;
    ``answer`` replaces the answer when set."""
    state: dict[str, Any] = {"answer": None, "asked": []}

    async def count(request: web.Request) -> web.Response:
        state["asked"].append(dict(request.query))
        if state["answer"] is not None:
            return web.Response(text=state["answer"])
        low, high = int(request.query["from"]) * 10**6, int(request.query["to"]) * 10**6
        stamps = [ts for entries in pipeline.loki.streams.values() for ts, _line in entries]
        n = sum(1 for ts in stamps if low <= ts < high)
        return web.json_response({"result": {"count": n}})

    app = web.Application()
    app.router.add_get("/count", count)
    async with serve(app) as url:
        backend = {
            "name": "archive",
            "kind": "http",
            "url": url + "/count?stream={stream}&from={start_ms}&to={end_ms}",
            "json_path": "$.result.count",
        }
        pipeline.overrides["backends"] = [*pipeline.config()["backends"], backend]
        yield state


async def test_a_generic_http_count_endpoint(pipeline: Pipeline, archive: dict[str, Any]):
    """The count endpoint is asked per window with the template filled in, and compared."""
    await pipeline.traffic(8)
    outcome = await pipeline.run()
    assert outcome.success, outcome.error
    labels = {"backend": "archive", "stream": "audit"}
    assert value(outcome, "watchdog_reconcile_records", **labels) == 10
    assert value(outcome, "watchdog_reconcile_missing_ratio", **labels) == 0
    live = int(START + 120) * 1000  # 22:16, the newest window past settle, is asked first
    assert archive["asked"][0] == {"stream": "audit", "from": str(live), "to": str(live + 60_000)}


async def test_a_count_that_is_not_a_number_is_an_error(
    pipeline: Pipeline, archive: dict[str, Any]
):
    """A count endpoint answering something else is a failed query, never zero records."""
    archive["answer"] = '{"result": {"count": "many"}}'
    await pipeline.traffic(8)
    outcome = await pipeline.run()
    assert "archive/audit: the count endpoint answered many, not a record count" in error_text(
        outcome
    )
    labels = {"backend": "archive", "stream": "audit"}
    assert value(outcome, "watchdog_reconcile_incomplete_windows", **labels) == 0


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("garbage"), "returned invalid JSON"),
        (Fault("huge"), "exceeds the 1048576-byte limit"),
        (
            Fault(
                "status",
                200,
                '{"status":"success","data":{"resultType":"vector","result":'
                '[{"metric":{},"value":[1,"NaN"]}]}}',
            ),
            "Loki answered NaN, not a record count",
        ),
        (Fault("status", 200, '{"status":"error","error":"x"}'), "Loki answered status 'error'"),
    ],
)
async def test_hostile_answers_cost_one_failed_query(pipeline: Pipeline, fault: Fault, reason):
    """Garbage, a huge body or a nonsense count from Loki: a failed query, never a count."""
    pipeline.overrides["max_response_bytes"] = "1MiB"
    await pipeline.traffic(8)
    pipeline.loki.faults["/loki/api/v1/query"] = fault
    outcome = await pipeline.run()
    assert outcome.up
    assert reason in error_text(outcome)
    assert _es(outcome, "incomplete_windows") == 0.0
    assert value(outcome, "watchdog_reconcile_query_success", backend="loki", stream="audit") == 0
