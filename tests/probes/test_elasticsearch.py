"""The ``elasticsearch`` probe against the API-true fake Elasticsearch/OpenSearch."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.server import Fault
from tests.support.probe_harness import (
    error_text,
    make_context,
    run_context,
    validate_target,
    value_of,
)
from watchdog.probes.runner import ProbeOutcome


async def _probe(
    es: FakeElasticsearch, session: aiohttp.ClientSession, tmp_path: Path, **fields: object
) -> ProbeOutcome:
    config = {"kind": "elasticsearch", "url": es.url, **fields}
    return await run_context(make_context(config, tmp_path, session, timeout=2.0))


async def test_green_cluster_yields_exporter_series(session, tmp_path):
    """Green: success, the colour as three 0/1 series and the shard counts, all per cluster."""
    async with FakeElasticsearch() as es:
        outcome = await _probe(es, session, tmp_path)
    assert outcome.success, outcome.error
    status = {
        color: value_of(outcome, "elasticsearch_cluster_health_status", color=color)
        for color in ("green", "yellow", "red")
    }
    assert status == {"green": 1.0, "yellow": 0.0, "red": 0.0}
    assert value_of(outcome, "elasticsearch_cluster_health_unassigned_shards", cluster="logs") == 0
    assert value_of(outcome, "elasticsearch_cluster_health_number_of_data_nodes") == 3
    assert value_of(outcome, "elasticsearch_cluster_health_active_shards_percent_as_number") == 100
    assert outcome.facts["flavor"] == "elasticsearch"


async def test_red_with_http_200_is_a_failed_check(session, tmp_path):
    """200-with-red is not healthy: up 1, success 0, the unassigned shards in the reason."""
    async with FakeElasticsearch(status="red", unassigned_shards=4) as es:
        outcome = await _probe(es, session, tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == "cluster logs is red: 4 unassigned shards, 2 data nodes"
    assert value_of(outcome, "elasticsearch_cluster_health_status", color="red") == 1.0
    assert value_of(outcome, "elasticsearch_cluster_health_unassigned_shards") == 4


async def test_yellow_passes_unless_fail_on_yellow(session, tmp_path):
    """Yellow is a success by default and a failed check with fail_on: yellow."""
    async with FakeElasticsearch(status="yellow", unassigned_shards=2) as es:
        lenient = await _probe(es, session, tmp_path)
        strict = await _probe(es, session, tmp_path, fail_on="yellow")
    assert lenient.success
    assert not strict.success
    assert "is yellow" in error_text(strict)


async def test_opensearch_is_detected(session, tmp_path):
    """flavor auto reads GET / and reports OpenSearch; the same series are produced."""
    async with FakeElasticsearch(flavor="opensearch") as es:
        outcome = await _probe(es, session, tmp_path)
    assert outcome.facts["flavor"] == "opensearch"
    assert outcome.facts["version"] == "2.11.0"
    assert value_of(outcome, "elasticsearch_cluster_health_status", color="green") == 1.0


async def test_api_key_from_file(session, tmp_path):
    """api_key_file is sent as 'Authorization: ApiKey <encoded>'."""
    key_file = tmp_path / "es-key"
    key_file.write_text("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==\n")
    async with FakeElasticsearch(api_key=key_file.read_text().strip()) as es:
        outcome = await _probe(es, session, tmp_path, api_key_file=str(key_file))
        sent = es.requests_to("/_cluster/health")[0].headers["Authorization"]
    assert outcome.success, outcome.error
    assert sent.startswith("ApiKey ")


async def test_missing_credentials_are_a_precise_401(session, tmp_path):
    """No credentials: up 0 and Elasticsearch's own security_exception reason."""
    async with FakeElasticsearch(api_key="c2VjcmV0a2V5") as es:
        outcome = await _probe(es, session, tmp_path, flavor="elasticsearch")
    assert not outcome.up
    assert (
        "authentication failed (HTTP 401): security_exception: missing authentication "
        "credentials for REST request [/_cluster/health]" in error_text(outcome)
    )


async def test_wrong_basic_auth_is_401_without_the_password(session, tmp_path):
    """Wrong password: the 401 names the user, never the password."""
    async with FakeElasticsearch(basic=("watchdog", "right-password")) as es:
        outcome = await _probe(
            es, session, tmp_path, basic_auth={"username": "watchdog", "password": "wrong-password"}
        )
    assert not outcome.up
    assert "unable to authenticate user [watchdog]" in error_text(outcome)
    assert "wrong-password" not in outcome.error


async def test_missing_monitor_privilege_is_a_precise_403(session, tmp_path):
    """403: the error says which privilege is missing."""
    async with FakeElasticsearch(forbid_health=True) as es:
        outcome = await _probe(es, session, tmp_path)
    assert not outcome.up
    assert "not authorized (HTTP 403)" in error_text(outcome)
    assert "cluster privileges [monitor,manage,all]" in outcome.error


async def test_no_master_is_up_but_failed(session, tmp_path):
    """503 master_not_discovered: it answered, so up 1, but the check fails with the type."""
    async with FakeElasticsearch(no_master=True) as es:
        outcome = await _probe(es, session, tmp_path)
    assert outcome.up
    assert not outcome.success
    assert "master_not_discovered_exception" in error_text(outcome)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("garbage"), "invalid JSON"),
        (Fault("huge"), "exceeds the 262144-byte limit"),
        (Fault("status", 404, "not found"), "HTTP 404"),
    ],
)
async def test_hostile_answers_are_precise_errors(session, tmp_path, fault, expected):
    """Garbage, huge or unexpected answers cost one failed probe with a precise error."""
    async with FakeElasticsearch(faults={"/_cluster/health": fault}) as es:
        outcome = await _probe(es, session, tmp_path, flavor="elasticsearch")
    assert not outcome.up
    assert expected in error_text(outcome)


async def test_health_body_without_a_colour_is_refused(session, tmp_path):
    """A 200 JSON body that is not a cluster health answer is an error, not 'healthy'."""
    async with FakeElasticsearch(
        faults={"/_cluster/health": Fault("status", 200, '{"ok": 1}')}
    ) as es:
        outcome = await _probe(es, session, tmp_path, flavor="elasticsearch")
    assert not outcome.up
    assert "not a cluster health body" in error_text(outcome)


def test_config_refuses_two_credentials(tmp_path):
    """api_key together with basic_auth is refused."""
    with pytest.raises(ValueError, match="only one of api_key, basic_auth or bearer_token"):
        validate_target(
            "elasticsearch",
            url="https://es:9200",
            api_key="abcd1234",
            basic_auth={"username": "u", "password": "p4ssword"},
        )
