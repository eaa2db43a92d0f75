"""The fakes refuse what the real components refuse: a fake that accepts anything proves nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.fluentbit import FakeFluentBit
from devstack.fakes.loki import FakeLoki
from watchdog.exposition import parse_exposition

QUERY = "/loki/api/v1/query_range"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session for talking to the fakes."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _push(session: aiohttp.ClientSession, loki: FakeLoki, *entries: tuple[int, str]) -> int:
    body = {
        "streams": [{"stream": {"job": "a"}, "values": [[str(t), line] for t, line in entries]}]
    }
    async with session.post(f"{loki.url}/loki/api/v1/push", json=body) as response:
        return response.status


async def test_loki_rejects_an_empty_compatible_selector(session):
    """{job=~".*"} alone is refused with Loki's own message, as the real Loki does."""
    async with (
        FakeLoki() as loki,
        session.get(f"{loki.url}{QUERY}", params={"query": '{job=~".*"}'}) as response,
    ):
        text = await response.text()
    assert response.status == 400
    assert "empty-compatible value" in text


async def test_loki_limit_above_max_entries_is_refused(session):
    """limit above max_entries_limit_per_query (5000) is a 400."""
    async with (
        FakeLoki() as loki,
        session.get(
            f"{loki.url}{QUERY}", params={"query": '{job="a"}', "limit": "5001"}
        ) as response,
    ):
        text = await response.text()
    assert response.status == 400
    assert "(5001 > 5000)" in text


async def test_loki_range_limit_and_direction(session):
    """start inclusive, end exclusive, limit across streams, forward or backward order."""
    async with FakeLoki() as loki:
        assert await _push(session, loki, (10, "one"), (20, "two"), (30, "three")) == 204
        params = {"query": '{job="a"} != "zzz"', "start": "10", "end": "30", "limit": "5"}
        async with session.get(f"{loki.url}{QUERY}", params=params) as response:
            backward = await response.json()
        params |= {"direction": "forward", "limit": "1"}
        async with session.get(f"{loki.url}{QUERY}", params=params) as response:
            forward = await response.json()
    lines = [v[1] for v in backward["data"]["result"][0]["values"]]
    assert lines == ["two", "one"]
    assert forward["data"]["result"][0]["values"] == [["10", "one"]]


async def test_loki_push_validation(session):
    """A push with a non-numeric timestamp is a 400; a protobuf content type a 415."""
    async with FakeLoki() as loki:
        body = {"streams": [{"stream": {"job": "a"}, "values": [["yesterday", "x"]]}]}
        async with session.post(f"{loki.url}/loki/api/v1/push", json=body) as response:
            assert response.status == 400
        headers = {"Content-Type": "application/x-protobuf"}
        async with session.post(
            f"{loki.url}/loki/api/v1/push", data=b"\x00", headers=headers
        ) as response:
            assert response.status == 415


async def _search(session, es: FakeElasticsearch, index: str, query: dict) -> tuple[int, dict]:
    async with session.post(f"{es.url}/{index}/_search", json={"query": query}) as response:
        return response.status, await response.json()


async def test_es_match_ors_tokens_but_match_phrase_does_not(session):
    """match finds any shared token (a real pitfall); match_phrase needs the sequence."""
    async with FakeElasticsearch() as es:
        es.indices["logs"] = [{"log": "id=1700-aaaa"}, {"log": "id=1700-bbbb"}]
        _, loose = await _search(session, es, "logs", {"match": {"log": "1700-aaaa"}})
        _, exact = await _search(session, es, "logs", {"match_phrase": {"log": "1700-aaaa"}})
    assert loose["hits"]["total"]["value"] == 2
    assert exact["hits"]["total"]["value"] == 1


async def test_es_term_on_text_versus_keyword(session):
    """term compares one analysed token on a text field, the whole value on .keyword."""
    async with FakeElasticsearch() as es:
        es.indices["logs"] = [{"id": "1700-AAAA"}]
        _, text = await _search(session, es, "logs", {"term": {"id": "1700-AAAA"}})
        _, keyword = await _search(session, es, "logs", {"term": {"id.keyword": "1700-AAAA"}})
    assert text["hits"]["total"]["value"] == 0
    assert keyword["hits"]["total"]["value"] == 1


async def test_es_missing_index_versus_wildcard(session):
    """A concrete missing index is a 404; a wildcard that matches nothing is an empty 200."""
    async with FakeElasticsearch() as es:
        missing_status, missing = await _search(session, es, "nope", {"match_all": {}})
        empty_status, empty = await _search(session, es, "nope-*", {"match_all": {}})
    assert missing_status == 404
    assert missing["error"]["type"] == "index_not_found_exception"
    assert empty_status == 200
    assert empty["hits"]["hits"] == []


async def test_es_unknown_query_and_result_window(session):
    """An unknown query type and from+size above 10000 are 400s."""
    async with FakeElasticsearch() as es:
        es.indices["logs"] = []
        status, body = await _search(session, es, "logs", {"fuzzy_wuzzy": {}})
        assert status == 400
        assert body["error"]["type"] == "parsing_exception"
        async with session.post(f"{es.url}/logs/_search", json={"size": 10001}) as response:
            assert response.status == 400


async def test_fluent_bit_v1_exposition_is_valid_with_timestamps(session):
    """The v1 Prometheus text (with millisecond timestamps) parses under the strict parser."""
    async with FakeFluentBit() as fb:
        fb.receive(3)
        async with session.get(f"{fb.url}/api/v1/metrics/prometheus") as response:
            text = await response.text()
            content_type = response.headers["Content-Type"]
    samples = parse_exposition(text)
    assert content_type == "text/plain; version=0.0.4"
    assert any(s.name == "fluentbit_input_records_total" and s.value == 3 for s in samples)
    assert text.splitlines()[0].startswith("# HELP fluentbit_input_bytes_total")
