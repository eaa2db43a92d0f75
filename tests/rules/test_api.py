"""/api/v1/alerts and /api/v1/rules answer in Prometheus' shapes."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.rules.conftest import ManagerFactory, RecordingSink
from tests.rules.test_manager import KEY, RULES
from watchdog.api.rules import rule_routes
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

UP = LabelSet({"__name__": "up", "job": "x", "instance": "i"})


async def test_alerts_and_rules_endpoints(make_manager: ManagerFactory) -> None:
    """Active alerts with state/activeAt/value; rules with type filter and alert lists."""
    store = SampleStore()
    manager = make_manager(store, RecordingSink(), RULES)
    await manager.start(schedule=False)
    store.ingest("t", 0, {UP: 0.0})
    await manager.evaluate_group(KEY, 0)
    app = web.Application()
    app.add_routes(rule_routes(lambda: list(manager.states.values())))
    async with TestClient(TestServer(app)) as client:
        alerts = await (await client.get("/api/v1/alerts")).json()
        assert alerts["status"] == "success"
        (alert,) = alerts["data"]["alerts"]
        assert alert["state"] == "pending"
        assert alert["value"] == "0e+00"
        assert alert["labels"] == {
            "alertname": "Down",
            "job": "x",
            "instance": "i",
            "severity": "page",
        }
        assert alert["activeAt"] == "1970-01-01T00:00:00Z"

        rules = await (await client.get("/api/v1/rules")).json()
        (group,) = rules["data"]["groups"]
        assert [r["type"] for r in group["rules"]] == ["alerting", "recording"]
        alerting = group["rules"][0]
        assert (alerting["state"], alerting["duration"], alerting["health"]) == (
            "pending",
            60.0,
            "ok",
        )
        assert alerting["query"] == "up == 0"
        assert len(alerting["alerts"]) == 1

        only = await (await client.get("/api/v1/rules?type=record")).json()
        assert [r["name"] for r in only["data"]["groups"][0]["rules"]] == ["job:up"]
        bad = await client.get("/api/v1/rules?type=bogus")
        assert bad.status == 400
        assert (await bad.json())["errorType"] == "bad_data"
    await manager.stop()


async def test_alerts_say_how_the_fallback_path_treats_them(make_manager: ManagerFactory) -> None:
    """With a fallback view, each alert carries its receivers and silenced/inhibited state."""
    store = SampleStore()
    manager = make_manager(store, RecordingSink(), RULES)
    await manager.start(schedule=False)
    store.ingest("t", 0, {UP: 0.0})
    await manager.evaluate_group(KEY, 0)
    seen: list[dict[str, str]] = []

    def fallback(labels: object) -> dict[str, object]:
        seen.append(dict(labels))  # type: ignore[call-overload]
        return {"receivers": ["pd"], "state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": []}

    app = web.Application()
    app.add_routes(rule_routes(lambda: list(manager.states.values()), fallback))
    async with TestClient(TestServer(app)) as client:
        (alert,) = (await (await client.get("/api/v1/alerts")).json())["data"]["alerts"]
    assert alert["fallback"]["silencedBy"] == ["s1"]
    assert seen == [alert["labels"]]
    await manager.stop()
