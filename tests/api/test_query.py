"""/api/v1/query and /query_range over a sample store: results, limits and their errors."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from watchdog.api.query import QueryAPI
from watchdog.clock import FakeClock
from watchdog.promql import EvalLimits
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

UP = LabelSet.of("up", job="ssh", instance="a:22")
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def store() -> SampleStore:
    """``up`` of one target every 15 s from t=1000, and 50 series of ``many``."""
    store = SampleStore()
    store.configure_retention(names=None, window=3600.0)
    for step in range(8):
        store.ingest("ssh", 1000.0 + 15 * step, {UP: float(step % 2)})
    store.ingest("many", 1100.0, {LabelSet.of("many", i=str(i)): 1.0 for i in range(50)})
    return store


async def _client(store: SampleStore, limits: EvalLimits) -> Client:
    app = web.Application()
    app.add_routes(QueryAPI(store, lambda: limits, FakeClock(1100.0)).routes())
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client(store: SampleStore) -> AsyncIterator[Client]:
    """The API over ``store`` with generous limits, at a fake ``now`` of 1100."""
    client = await _client(store, EvalLimits())
    yield client
    await client.close()


async def test_instant_query_defaults_to_now_and_reads_the_store(client: Client) -> None:
    """Without ``time`` the query runs at the clock's now; labels sorted, value a string."""
    answer = await (await client.get("/api/v1/query", params={"query": "up"})).text()
    assert answer == (
        '{"status":"success","data":{"resultType":"vector","result":[{"metric":'
        '{"__name__":"up","instance":"a:22","job":"ssh"},"value":[1100,"0"]}]}}'
    )


async def test_range_selector_in_an_instant_query_is_a_matrix(client: Client) -> None:
    """``up[30s]`` at 1100.5: the raw points inside the window, timestamps as Prometheus."""
    response = await client.post("/api/v1/query", data={"query": "up[31s]", "time": "1105.5"})
    body = await response.json()
    assert body["data"]["resultType"] == "matrix"
    assert body["data"]["result"][0]["values"] == [[1075, "1"], [1090, "0"], [1105, "1"]]


async def test_range_query_steps_over_the_store(client: Client) -> None:
    """A range query gives one series with a point per step, sorted by labels."""
    response = await client.get(
        "/api/v1/query_range",
        params={"query": "up", "start": "1000", "end": "1030", "step": "15s"},
    )
    body = await response.json()
    assert body["data"]["result"][0]["values"] == [[1000, "0"], [1015, "1"], [1030, "0"]]


async def test_too_many_samples_is_an_execution_error(store: SampleStore) -> None:
    """Over ``query_max_samples``: 422 ``execution`` naming the limit, as Prometheus does."""
    client = await _client(store, EvalLimits(max_samples=20))
    try:
        response = await client.get("/api/v1/query", params={"query": "sum(many)"})
        body = await response.json()
    finally:
        await client.close()
    assert response.status == 422
    assert body["errorType"] == "execution"
    assert body["error"].startswith("query processing would load too many samples")


async def test_a_slow_query_times_out_with_503(store: SampleStore) -> None:
    """Past ``query_timeout`` (a clock that jumps a second per read): 503 ``timeout``."""
    ticks = itertools.count()
    limits = EvalLimits(max_samples=10**12, timeout=5.0, clock=lambda: float(next(ticks)))
    client = await _client(store, limits)
    try:
        response = await client.get(
            "/api/v1/query", params={"query": "count_over_time(vector(1)[1d:1s])"}
        )
        body = await response.json()
    finally:
        await client.close()
    assert response.status == 503
    assert body["errorType"] == "timeout"
    assert body["error"].startswith("query timed out in expression evaluation")


async def test_the_timeout_parameter_shortens_the_engine_timeout(store: SampleStore) -> None:
    """``timeout=2s`` under a 100 s engine timeout: the query gives up after 2 s."""
    ticks = itertools.count()
    limits = EvalLimits(max_samples=10**12, timeout=100.0, clock=lambda: float(next(ticks)))
    client = await _client(store, limits)
    try:
        response = await client.get(
            "/api/v1/query",
            params={"query": "count_over_time(vector(1)[1d:1s])", "timeout": "2s"},
        )
        body = await response.json()
    finally:
        await client.close()
    assert (response.status, body["errorType"]) == (503, "timeout")
    assert "after 2s" in body["error"]
