"""The counting APIs of the fakes answer as Loki and Elasticsearch document them, and the shipper
loses or holds exactly what it is told to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.loki import FakeLoki
from devstack.fakes.shipper import FakeShipper, Route
from watchdog.clock import FakeClock

QUERY = "/loki/api/v1/query"
S = 10**9


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session for talking to the fakes."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _loki(session: aiohttp.ClientSession, loki: FakeLoki, **params: str) -> Any:
    async with session.get(f"{loki.url}{QUERY}", params=params) as response:
        return response.status, await response.text()


async def _filled_loki(session: aiohttp.ClientSession, loki: FakeLoki) -> None:
    streams = [
        {
            "stream": {"job": "a", "host": "h1"},
            "values": [[str(t * S), f"l{t}"] for t in (0, 30, 60)],
        },
        {"stream": {"job": "a", "host": "h2"}, "values": [[str(59 * S), "x"]]},
        {"stream": {"job": "b"}, "values": [[str(10 * S), "y"]]},
    ]
    async with session.post(f"{loki.url}/loki/api/v1/push", json={"streams": streams}) as r:
        assert r.status == 204


async def test_loki_counts_over_a_left_open_range(session):
    """count_over_time at t covers (t - range, t]: at 60 s the sample at 0 is out, 60 is in."""
    async with FakeLoki() as loki:
        await _filled_loki(session, loki)
        query = 'sum(count_over_time({job="a", host="h1"}[60s]))'  # samples at 0, 30, 60
        status, at_end = await _loki(session, loki, query=query, time=str(60 * S))
        _, just_before = await _loki(session, loki, query=query, time=str(60 * S - 1))
        _, later = await _loki(session, loki, query=query, time=str(90 * S))
    assert status == 200
    assert '"value": [60.0, "2"]' in at_end  # 30 and 60, not 0
    assert '"value": [60.0, "2"]' in just_before  # 0 and 30: exactly [0, 60)
    assert '"value": [90.0, "1"]' in later  # 60 only


async def test_loki_counts_per_stream_and_by_label(session):
    """Without sum one series per stream; sum by (host) groups; nothing matched is no series."""
    async with FakeLoki() as loki:
        await _filled_loki(session, loki)
        _, per_stream = await _loki(
            session, loki, query='count_over_time({job="a"} != "l30" [1m])', time=str(60 * S)
        )
        _, by_host = await _loki(
            session, loki, query='sum by (host) (count_over_time({job="a"}[2m]))', time=str(60 * S)
        )
        _, nothing = await _loki(
            session, loki, query='sum(count_over_time({job="none"}[1m]))', time=str(60 * S)
        )
    assert per_stream.count('"metric"') == 2
    assert '{"metric": {"host": "h1"}, "value": [60.0, "3"]}' in by_host
    assert '"result": []' in nothing


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ('{job="a"}', 400, "log queries are not supported as an instant query type"),
        ('rate({job="a"}[1m])', 400, "parse error"),
        ('count_over_time({job="a"})', 400, "needs a range"),
        ('count_over_time({job="a"}[soon])', 400, "invalid duration"),
    ],
)
async def test_loki_refuses_what_it_cannot_evaluate(session, query, status, reason):
    """Log queries and anything outside the subset are 400s with a reason."""
    async with FakeLoki() as loki:
        got, text = await _loki(session, loki, query=query)
    assert (got, reason in text) == (status, True)


async def _count(session, es: FakeElasticsearch, index: str, body: Any) -> tuple[int, Any]:
    async with session.post(f"{es.url}/{index}/_count", json=body) as response:
        return response.status, await response.json()


async def test_es_count_with_a_range_filter(session):
    """_count applies the query, the range is half-open with lt, and _shards is reported."""
    async with FakeElasticsearch() as es:
        es.indices["audit-1"] = [{"t": ms, "k": "v"} for ms in (0, 30_000, 60_000)]
        es.indices["other"] = [{"t": 1}]
        rng = {"range": {"t": {"gte": 0, "lt": 60_000, "format": "epoch_millis"}}}
        status, body = await _count(session, es, "audit-*", {"query": {"bool": {"filter": [rng]}}})
        _, everything = await _count(session, es, "audit-*,other", None)
    assert status == 200
    assert body == {
        "count": 2,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    }
    assert everything["count"] == 4


async def test_es_count_refuses_search_options_and_missing_indices(session):
    """_count takes only a query in its body; a concrete missing index is a 404."""
    async with FakeElasticsearch() as es:
        es.indices["audit-1"] = []
        status, body = await _count(session, es, "audit-1", {"size": 0, "query": {"match_all": {}}})
        missing, _ = await _count(session, es, "nope", {})
        wildcard, nothing = await _count(session, es, "nope-*", {})
    assert status == 400
    assert body["error"]["reason"] == "request does not support [size]"
    assert missing == 404
    assert (wildcard, nothing["count"], nothing["_shards"]["total"]) == (200, 0, 0)


async def test_es_failed_shards_are_a_partial_answer(session):
    """With an unavailable shard the answer is still 200, with _shards.failed and failures."""
    async with FakeElasticsearch(failed_shards=1) as es:
        es.indices["audit-1"] = [{"t": 1}]
        status, body = await _count(session, es, "audit-1", {})
    assert status == 200
    assert body["_shards"]["failed"] == 1
    assert body["_shards"]["failures"][0]["reason"]["type"] == "no_shard_available_action_exception"


async def test_es_source_filter_keeps_dotted_fields(session):
    """_source: ["request.id"] returns {"request": {"id": …}} and nothing else."""
    async with FakeElasticsearch() as es:
        es.indices["a"] = [{"request": {"id": "r1", "path": "p"}, "type": "x"}]
        async with session.post(
            f"{es.url}/a/_search", json={"_source": ["request.id"], "size": 5}
        ) as response:
            hits = (await response.json())["hits"]["hits"]
    assert hits[0]["_source"] == {"request": {"id": "r1"}}


async def test_the_shipper_loses_an_exact_share_and_holds_while_paused(
    tmp_path: Path, session: aiohttp.ClientSession
):
    """drop_share 0.25 loses every fourth record (counted as delivered); a paused route keeps
    its records queued and delivers them in order once resumed."""
    clock = FakeClock()
    log = tmp_path / "app.log"
    shipper = FakeShipper(log, clock, session)
    async with FakeLoki(clock=clock) as loki, FakeElasticsearch() as es:
        to_loki = shipper.route("loki", Route("loki", loki.url, drop_share=0.25))
        to_es = shipper.route("es", Route("elasticsearch", es.url, index="i", paused=True))
        log.write_text("".join(f'{{"n": {n}}}\n' for n in range(8)))
        await shipper.pump()
        assert loki.lines() == [
            '{"n": 0}',
            '{"n": 1}',
            '{"n": 2}',
            '{"n": 4}',
            '{"n": 5}',
            '{"n": 6}',
        ]
        assert (to_loki.delivered, to_loki.lost_silently, to_loki.dropped) == (8, 2, 0)
        assert es.documents() == []
        to_es.paused = False
        await shipper.pump()
        assert [d["log"] for d in es.documents()] == [f'{{"n": {n}}}' for n in range(8)]
