"""Bad request bodies against the real daemon: a precise 400/413, JSON logs, no traceback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from devstack.procs import free_port
from tests.support.components import Running, start_daemon

NESTED = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A daemon with the incoming heartbeat and the lifecycle API enabled."""
    workdir, port = tmp_path_factory.mktemp("bad-bodies"), free_port()
    config = {
        "global": {"interval": "1s", "evaluation_interval": "1s", "timeout": "500ms"},
        "server": {"listen": f"127.0.0.1:{port}", "enable_lifecycle": True},
        "alerting": {"heartbeat_in": {"window": "5m"}},
    }
    running = start_daemon(workdir, config, port)
    yield running
    running.stop()


def post(daemon: Running, path: str, body: bytes) -> tuple[int, str]:
    """POST ``body`` and return (status, answer text), errors included."""
    request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL
        f"{daemon.url}{path}", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (NESTED, 400, "nested deeper than"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, 400, "nested deeper than"),
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b'{"alerts": "x"}', 400, "'alerts' list"),
        (
            b'{"alerts": [{"status": "firing", "labels": ["alertname", "Watchdog"]}]}',
            400,
            "alerts[0].labels: expected an object",
        ),
        (b'{"alerts": [{"status": 1, "labels": {}}]}', 400, "alerts[0].status: expected a string"),
        (
            b'{"alerts": [{"status": "firing", "labels": {"alertname": 5}}]}',
            400,
            "alerts[0].labels.alertname: expected a string",
        ),
        (b'{"alerts": [7]}', 400, "alerts[0]: expected an object"),
        (b"[1, 2]", 400, "'alerts' list"),
        (b"x" * (2 * 1024 * 1024), 413, "larger than"),
    ],
)
def test_heartbeat_refuses_bad_bodies_precisely(
    daemon: Running, body: bytes, status: int, reason: str
) -> None:
    """Each malformed heartbeat body answers 400/413 naming what is wrong, never a 500."""
    got_status, text = post(daemon, "/api/v1/heartbeat", body)
    assert (got_status, reason in text) == (status, True), text


def test_reload_refuses_a_huge_body(daemon: Running) -> None:
    """Every POST endpoint bounds its body: a huge /-/reload body is a 413, not a read."""
    status, text = post(daemon, "/-/reload", b"x" * (2 * 1024 * 1024))
    assert status == 413, text


def test_logs_stay_json_without_tracebacks(daemon: Running) -> None:
    """After the bad bodies above, every line the daemon printed is JSON; none is a traceback."""
    assert post(daemon, "/api/v1/heartbeat", NESTED)[0] == 400
    output = daemon.process.output()
    for line in output.splitlines():
        json.loads(line)
    assert "Traceback" not in output
