"""Backend searches: the generic HTTP backend, and hostile answers from every backend."""

from __future__ import annotations

import pytest

from devstack.fakes.server import Fault
from tests.probes.logcanary.conftest import SELECTOR, Pipeline
from tests.support.probe_harness import error_text, value_of

LOKI_QUERY = "/loki/api/v1/query_range"


def _ok(outcome, backend):
    return value_of(outcome, "probe_logcanary_query_success", backend=backend)


async def test_generic_http_backend_with_json_path(pipeline: Pipeline):
    """A URL template and a JSONPath find the canary through any JSON search API."""
    query = f"{SELECTOR} |= " + '"{id}"'
    pipeline.overrides["backends"] = [
        {
            "name": "loki-generic",
            "kind": "http",
            "url": f"{pipeline.loki.url}{LOKI_QUERY}?query={query}&start={{start_ns}}"
            "&end={end_ns}&limit=10",
            "json_path": "$.data.result[*].values[*][1]",
        },
        {
            "name": "es-generic",
            "kind": "http",
            "url": f"{pipeline.es.url}/logs-*/_search",
            "method": "POST",
            "body": '{"size": 5, "query": {"match_phrase": {"log": "{id}"}}}',
            "json_path": "$.hits.hits[*]._source.log",
        },
    ]
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert outcome.success, outcome.error
    for name in ("loki-generic", "es-generic"):
        assert value_of(outcome, "probe_logcanary_lag_seconds", backend=name) == 10.0
    sent = pipeline.loki.requests_to(LOKI_QUERY)[0].query["query"]
    assert sent.startswith('{job="fluent-bit"} |= "17000000')


async def test_generic_http_backend_with_line_regex(pipeline: Pipeline):
    """line_regex picks lines out of a non-JSON answer; a mangled one is still caught."""
    pipeline.overrides["backends"] = [
        {
            "name": "raw",
            "kind": "http",
            "url": f"{pipeline.loki.url}{LOKI_QUERY}?query={SELECTOR} |~ " + '"{id}"',
            "line_regex": r'"(MONITOR_WATCHDOG_CANARY [^"]+)"',
        }
    ]
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert value_of(outcome, "probe_logcanary_found", backend="raw") == 1.0


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            Fault("status", 500, "internal error"),
            "loki: Loki query_range answered HTTP 500: internal error",
        ),
        (Fault("garbage"), "returned invalid JSON"),
        (Fault("huge"), "exceeds the 65536-byte limit"),
        (
            Fault("status", 200, '{"status": "success", "data": {"resultType": "matrix"}}'),
            "resultType 'matrix'",
        ),
        (Fault("status", 200, '{"status": "error"}'), "Loki answered status 'error'"),
    ],
)
async def test_hostile_loki_answers(pipeline: Pipeline, fault, expected):
    """500, bad JSON, huge or misshapen answers: a failed check; the other backend is fine."""
    pipeline.loki.faults[LOKI_QUERY] = fault
    pipeline.overrides["max_response_bytes"] = "64KiB"
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert outcome.up
    assert not outcome.success
    assert expected in error_text(outcome)
    assert _ok(outcome, "loki") == 0.0
    assert _ok(outcome, "es") == 1.0
    assert value_of(outcome, "probe_logcanary_found", backend="es") == 1.0


async def test_hanging_backend_costs_only_its_own_search(pipeline: Pipeline):
    """A search that never answers times out inside the run; the probe and ES still report."""
    pipeline.es.faults["/logs-*/_search"] = Fault("hang")
    pipeline.timeout = 0.5
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert outcome.up
    assert "es: search timed out after" in error_text(outcome)
    assert _ok(outcome, "es") == 0.0
    assert value_of(outcome, "probe_logcanary_found", backend="loki") == 1.0


async def test_es_errors_are_precise_and_secret_free(pipeline: Pipeline, tmp_path):
    """A wrong API key: Elasticsearch's 401 reason, never the key itself."""
    key_file = tmp_path / "es-api-key"
    key_file.write_text("d3JvbmctaWQ6d3Jvbmcta2V5LXZhbHVl\n")
    pipeline.es.api_key = "cmlnaHQ6a2V5"
    backends = pipeline.backends()
    backends[1]["api_key_file"] = str(key_file)
    pipeline.overrides["backends"] = backends
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert "es: _search failed: authentication failed (HTTP 401)" in error_text(outcome)
    assert "d3JvbmctaWQ6" not in outcome.error


async def test_missing_index_is_named(pipeline: Pipeline):
    """A concrete index that does not exist: index_not_found_exception in the error."""
    backends = pipeline.backends()
    backends[1]["index"] = "audit-logs"
    pipeline.overrides["backends"] = backends
    outcome = await pipeline.run()
    assert "index_not_found_exception: no such index [audit-logs]" in error_text(outcome)


async def test_match_query_requires_every_token(pipeline: Pipeline):
    """query: match with operator and finds the canary in an analysed text field."""
    backends = pipeline.backends()
    backends[1]["query"] = "match"
    pipeline.overrides["backends"] = backends
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert value_of(outcome, "probe_logcanary_found", backend="es") == 1.0
    body = pipeline.es.requests_to("/logs-*/_search")[-1].body.decode()
    assert '"operator": "and"' in body


async def test_term_query_on_a_parsed_id_field(pipeline: Pipeline):
    """query: term looks the id up in a keyword id_field; the line is checked from field."""
    pipeline.to_es.parse_logfmt = True
    backends = pipeline.backends()
    backends[1].update({"query": "term", "id_field": "id.keyword"})
    pipeline.overrides["backends"] = backends
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert value_of(outcome, "probe_logcanary_found", backend="es") == 1.0
    assert pipeline.es.documents()[0]["id"] in pipeline.es.documents()[0]["log"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("garbage"), "returned invalid JSON"),
        (Fault("status", 200, '{"took": 1}'), "_search answer has no hits.hits list"),
        (Fault("status", 503, "{}"), "_search failed: HTTP 503"),
    ],
)
async def test_hostile_es_answers(pipeline: Pipeline, fault, expected):
    """Broken _search answers fail the ES search precisely and leave Loki's verdict intact."""
    pipeline.es.faults["/logs-*/_search"] = fault
    await pipeline.run()
    outcome = await pipeline.step(10)
    assert expected in error_text(outcome)
    assert _ok(outcome, "es") == 0.0
    assert value_of(outcome, "probe_logcanary_found", backend="loki") == 1.0


async def test_generic_backend_that_is_not_json(pipeline: Pipeline):
    """json_path set but the answer is not JSON: a precise error for that backend."""
    pipeline.overrides["backends"] = [
        {
            "name": "generic",
            "kind": "http",
            "url": f"{pipeline.loki.url}/ready?probe={{id}}",
            "json_path": "$.lines[*]",
        }
    ]
    outcome = await pipeline.run()
    assert "generic: answer is not JSON (json_path set)" in error_text(outcome)
