"""Prometheus and Alertmanager probes against broken peers: each costs one precise failed probe."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.procs import free_port
from tests.support.hostile import Handler, Route, hang, hostile_server, huge, reply
from tests.support.probe_harness import run_target, value_of

LIMIT = 64 * 1024
AM_METRICS = "alertmanager_config_last_reload_successful 1\n"


def _prom(url: str) -> dict[str, str]:
    return {"job": "prom", "kind": "prometheus", "url": url}


def _am(url: str) -> dict[str, str]:
    return {"job": "am", "kind": "alertmanager", "url": url}


def _prom_routes(metrics: Handler, ready: Handler | None = None) -> dict[Route, Handler]:
    return {
        ("GET", "/-/healthy"): reply(200),
        ("GET", "/-/ready"): ready or reply(200),
        ("GET", "/metrics"): metrics,
    }


async def test_prometheus_connection_refused(tmp_path: Path) -> None:
    """Nothing listening: up 0, the URL and the reason in last_error."""
    url = f"http://127.0.0.1:{free_port()}"
    outcome = await run_target(_prom(url), tmp_path)
    assert not outcome.up
    assert outcome.error == f"{url}/-/healthy: connection failed: connection refused"


async def test_prometheus_hang_times_out(tmp_path: Path) -> None:
    """A server that accepts but never answers costs one probe timeout."""
    async with hostile_server({("GET", "/-/healthy"): hang()}) as url:
        outcome = await run_target(_prom(url), tmp_path, probe_timeout="1s")
    assert not outcome.up
    assert outcome.error == "probe timed out after 1s"


async def test_prometheus_unhealthy_status_is_down(tmp_path: Path) -> None:
    """/-/healthy answering 503 (a proxy in front of a dead server) means up 0."""
    async with hostile_server({("GET", "/-/healthy"): reply(503)}) as url:
        outcome = await run_target(_prom(url), tmp_path)
    assert not outcome.up
    assert outcome.error == (f"{url}/-/healthy answered HTTP 503: Prometheus is not serving")


async def test_prometheus_not_ready_and_huge_metrics(tmp_path: Path) -> None:
    """Not ready plus an oversized /metrics: up 1, both reasons, ready series 0."""
    routes = _prom_routes(huge(4 * LIMIT), ready=reply(503, "Service Unavailable"))
    async with hostile_server(routes) as url:
        outcome = await run_target(_prom(url), tmp_path, body_size_limit=LIMIT)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == (
        "not ready (/-/ready answered HTTP 503); its own metrics are unreadable: "
        f"{url}/metrics: response body exceeds the {LIMIT}-byte limit"
    )
    assert value_of(outcome, "watchdog_prometheus_ready") == 0.0


async def test_prometheus_garbage_metrics(tmp_path: Path) -> None:
    """A /metrics that is not an exposition names the line it choked on."""
    async with hostile_server(_prom_routes(reply(200, "<html>hello</html>\n"))) as url:
        outcome = await run_target(_prom(url), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith(
        f"its own metrics are unreadable: {url}/metrics: malformed exposition: line 1"
    )


async def test_prometheus_metrics_of_something_else(tmp_path: Path) -> None:
    """A /metrics without Prometheus' own series is not taken for a healthy Prometheus."""
    async with hostile_server(_prom_routes(reply(200, "go_goroutines 3\n"))) as url:
        outcome = await run_target(_prom(url), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == (
        "/metrics has no prometheus_config_last_reload_successful: is this a Prometheus server?"
    )


async def test_alertmanager_refusing_alerts_is_down(tmp_path: Path) -> None:
    """POST /api/v2/alerts answered 500: the replica cannot take alerts, so up is 0."""
    async with hostile_server({("POST", "/api/v2/alerts"): reply(500)}) as url:
        outcome = await run_target(_am(url), tmp_path)
    assert not outcome.up
    assert outcome.error == (
        f"{url}/api/v2/alerts answered HTTP 500 to an empty alert list: "
        "the replica does not accept alerts"
    )


async def test_alertmanager_health_decides_up_without_accept_check(tmp_path: Path) -> None:
    """With check_accepts_alerts false, a 503 from /-/healthy is what makes up 0."""
    async with hostile_server({("GET", "/-/healthy"): reply(503)}) as url:
        outcome = await run_target({**_am(url), "check_accepts_alerts": False}, tmp_path)
    assert not outcome.up
    assert outcome.error == f"{url}/-/healthy answered HTTP 503"


def _am_routes(status_handler: Handler, metrics: str = AM_METRICS) -> dict[Route, Handler]:
    return {
        ("POST", "/api/v2/alerts"): reply(200),
        ("GET", "/-/healthy"): reply(200),
        ("GET", "/-/ready"): reply(200),
        ("GET", "/api/v2/status"): status_handler,
        ("GET", "/metrics"): reply(200, metrics),
    }


async def test_alertmanager_invalid_status_json(tmp_path: Path) -> None:
    """Garbage from /api/v2/status: still up (alerts accepted), failed with the JSON error."""
    async with hostile_server(_am_routes(reply(200, "{not json"))) as url:
        outcome = await run_target(_am(url), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith(
        f"{url}/api/v2/status returned invalid JSON (HTTP 200): Expecting property name"
    )


async def test_alertmanager_status_of_something_else(tmp_path: Path) -> None:
    """JSON without cluster.status is named as such, not read as a healthy cluster."""
    async with hostile_server(_am_routes(reply(200, '{"status": "ok"}'))) as url:
        outcome = await run_target(_am(url), tmp_path)
    assert outcome.error == "/api/v2/status has no cluster.status: is this an Alertmanager?"


async def test_alertmanager_huge_status(tmp_path: Path) -> None:
    """An oversized status body is cut at the limit with a precise error."""
    async with hostile_server(_am_routes(huge(4 * LIMIT))) as url:
        outcome = await run_target(_am(url), tmp_path, body_size_limit=LIMIT)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == (f"{url}/api/v2/status: response body exceeds the {LIMIT}-byte limit")


async def test_alertmanager_settling_cluster_and_failed_reload(tmp_path: Path) -> None:
    """A settling cluster and a failed config reload are both named; state series say settling."""
    status = json.dumps({"cluster": {"status": "settling", "peers": [{}, {}]}})
    metrics = "alertmanager_config_last_reload_successful 0\n"
    async with hostile_server(_am_routes(reply(200, status), metrics)) as url:
        outcome = await run_target(_am(url), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == (
        "cluster is still settling (gossip not converged); "
        "last config reload failed: the replica still runs its previous config"
    )
    assert value_of(outcome, "watchdog_alertmanager_cluster_status", status="settling") == 1.0
    assert value_of(outcome, "watchdog_alertmanager_cluster_peers") == 2.0


async def test_alertmanager_hang_times_out(tmp_path: Path) -> None:
    """A replica that never answers the alert POST costs one probe timeout, up 0."""
    async with hostile_server({("POST", "/api/v2/alerts"): hang()}) as url:
        outcome = await run_target(_am(url), tmp_path, probe_timeout="1s")
    assert not outcome.up
    assert outcome.error == "probe timed out after 1s"
