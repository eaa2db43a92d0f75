"""The ``alertmanager`` probe against Debian's real Alertmanager 0.25."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devstack.polling import wait_for
from devstack.procs import ManagedProcess, free_port
from tests.support.components import Running, require_binary, start_alertmanager
from tests.support.probe_harness import run_target, series_named, value_of
from watchdog.probes.base import TargetMemory

pytestmark = pytest.mark.slow


class _Refuse(BaseHTTPRequestHandler):
    """A webhook receiver that rejects every notification with 400 (not retried by Alertmanager)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(400)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def refusing_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _am_config(receiver_url: str) -> dict[str, Any]:
    return {
        "route": {"receiver": "hook", "group_wait": "0s", "group_interval": "1s"},
        "receivers": [{"name": "hook", "webhook_configs": [{"url": receiver_url}]}],
    }


def _status(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/v2/status", timeout=5) as response:  # noqa: S310
        body: dict[str, Any] = json.load(response)
        return body


@pytest.fixture(scope="module")
def clustered(tmp_path_factory: pytest.TempPathFactory, refusing_receiver: str) -> Iterator[str]:
    """One replica with gossip on loopback (a cluster of one), waited until settled."""
    binary = require_binary("prometheus-alertmanager")
    workdir = tmp_path_factory.mktemp("alertmanager")
    port, gossip = free_port(), free_port()
    (workdir / "am.yml").write_text(json.dumps(_am_config(refusing_receiver)))
    proc = ManagedProcess(
        [
            binary,
            f"--config.file={workdir / 'am.yml'}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.external-url=http://127.0.0.1:{port}/",
            f"--cluster.listen-address=127.0.0.1:{gossip}",
            "--cluster.settle-timeout=1s",
        ],
        workdir / "am.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_http(f"{url}/-/ready")
        wait_for(lambda: _status(url)["cluster"]["status"] == "ready", message="gossip to settle")
        yield url
    finally:
        proc.stop()


def _target(url: str, job: str, **extra: Any) -> dict[str, Any]:
    return {"job": job, "kind": "alertmanager", "url": url, **extra}


async def test_settled_replica_is_up_and_healthy(clustered: str, tmp_path: Path) -> None:
    """A settled replica accepts alerts: up, success, cluster state and peers as series."""
    outcome = await run_target(_target(clustered, "am-ok"), tmp_path)
    assert outcome.up, outcome.error
    assert outcome.success, outcome.error
    assert value_of(outcome, "watchdog_alertmanager_healthy") == 1.0
    assert value_of(outcome, "watchdog_alertmanager_ready") == 1.0
    assert value_of(outcome, "watchdog_alertmanager_cluster_status", status="ready") == 1.0
    assert value_of(outcome, "watchdog_alertmanager_cluster_status", status="settling") == 0.0
    assert value_of(outcome, "watchdog_alertmanager_cluster_peers") == 1.0
    assert value_of(outcome, "alertmanager_config_last_reload_successful") == 1.0
    assert value_of(outcome, "alertmanager_config_hash") is not None
    assert value_of(outcome, "alertmanager_cluster_members") == 1.0
    assert "alertmanager_silences" not in {labels.name for labels in outcome.series}
    assert outcome.facts["version"] == "0.25.0"
    assert outcome.facts["cluster"] == "ready"


async def test_too_few_cluster_peers_fail(clustered: str, tmp_path: Path) -> None:
    """A cluster smaller than min_cluster_peers is degraded: still up, not successful."""
    outcome = await run_target(_target(clustered, "am-peers", min_cluster_peers=2), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert outcome.error == "cluster has 1 member(s), fewer than the 2 expected"


async def test_failing_integration_shows_ratio_and_fails(
    tmp_path: Path, refusing_receiver: str
) -> None:
    """Notifications refused by the receiver since the last probe give ratio 1 and a failure."""
    server = start_alertmanager(tmp_path / "am", _am_config(refusing_receiver))
    try:
        target, memory = _target(server.url, "am-failing"), TargetMemory()
        first = await run_target(target, tmp_path, memory=memory)
        assert first.success, first.error
        assert not series_named(first, "watchdog_alertmanager_notifications_failed_ratio")
        _post_alert(server)
        wait_for(lambda: _failed_webhook(server) >= 1, message="a failed webhook notification")
        second = await run_target(target, tmp_path, memory=memory)
    finally:
        server.stop()
    assert second.up
    assert not second.success
    ratio = value_of(
        second, "watchdog_alertmanager_notifications_failed_ratio", integration="webhook"
    )
    assert ratio == 1.0
    assert (
        value_of(second, "watchdog_alertmanager_notifications_failed_ratio", integration="email")
        == 0.0
    )
    assert second.error is not None
    assert "webhook notifications failing" in second.error


async def test_stopped_replica_drops_to_down_with_precise_error(tmp_path: Path) -> None:
    """Stopping Alertmanager mid-test turns up from 1 to 0 with a connection-refused error."""
    server = start_alertmanager(
        tmp_path / "am", {"route": {"receiver": "x"}, "receivers": [{"name": "x"}]}
    )
    target = _target(server.url, "am-stopped")
    try:
        before = await run_target(target, tmp_path)
    finally:
        server.stop()
    after = await run_target(target, tmp_path)
    assert before.up
    assert not after.up
    assert not after.success
    assert after.error == (f"{server.url}/api/v2/alerts: connection failed: connection refused")
    assert value_of(after, "up") == 0.0
    assert not series_named(after, "watchdog_alertmanager_healthy")


def _post_alert(server: Running) -> None:
    body = json.dumps([{"labels": {"alertname": "WatchdogProbeTest"}}]).encode()
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL
        f"{server.url}/api/v2/alerts",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.status == 200


def _failed_webhook(server: Running) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:  # noqa: S310
        for line in response.read().decode().splitlines():
            if line.startswith('alertmanager_notifications_failed_total{integration="webhook"}'):
                return float(line.rsplit(" ", 1)[1])
    return 0.0
