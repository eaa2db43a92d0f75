"""The sd_notify protocol over a real unix datagram socket."""

import asyncio
import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.components import start_daemon
from watchdog.health import LoopHealth
from watchdog.systemd import SystemdNotifier, watchdog_interval


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A bound datagram socket standing in for systemd's notify socket."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    yield sock, path
    sock.close()


def _messages(sock: socket.socket, until: str, limit: int = 50) -> list[dict[str, str]]:
    """Receive datagrams until one contains ``until`` (each parsed into a dict)."""
    received = []
    for _ in range(limit):
        fields = dict(line.split("=", 1) for line in sock.recv(4096).decode().splitlines())
        received.append(fields)
        if until in fields:
            return received
    raise AssertionError(f"no {until} in {received}")


def test_ready_status_and_stopping(notify_socket: tuple[socket.socket, str]) -> None:
    """READY, STATUS and STOPPING arrive as KEY=VALUE lines in one datagram each."""
    sock, path = notify_socket
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path})
    assert notifier.enabled
    assert notifier.ready("targets: 3 up, 0 down")
    [ready] = _messages(sock, "READY")
    assert ready == {"READY": "1", "STATUS": "targets: 3 up, 0 down", "MAINPID": str(os.getpid())}
    assert notifier.reloading()
    [reloading] = _messages(sock, "RELOADING")
    assert int(reloading["MONOTONIC_USEC"]) > 0
    assert notifier.stopping()
    assert _messages(sock, "STOPPING") == [{"STOPPING": "1"}]


def test_abstract_namespace_socket() -> None:
    """A NOTIFY_SOCKET starting with '@' names an abstract-namespace socket."""
    name = f"wd-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        assert SystemdNotifier({"NOTIFY_SOCKET": "@" + name}).status("hello")
        assert sock.recv(100) == b"STATUS=hello"


def test_not_under_systemd_is_a_no_op() -> None:
    """Without NOTIFY_SOCKET nothing is sent and nothing fails."""
    notifier = SystemdNotifier({})
    assert not notifier.enabled
    assert not notifier.ready("x")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "60000000"}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}, None),
        ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}, 1.0),
    ],
)
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    """Pings go at half of WatchdogSec=, and only to the process systemd named."""
    assert watchdog_interval(env) == expected


async def test_watchdog_pings_stop_while_the_loop_is_wedged(
    notify_socket: tuple[socket.socket, str],
) -> None:
    """WATCHDOG=1 is sent while healthy, withheld while a subsystem is overdue, then resumes."""
    sock, path = notify_socket
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    health = LoopHealth()
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "40000"})
    task = asyncio.create_task(notifier.keep_alive(health, lambda: "all good"))

    async def next_message() -> dict[str, str]:
        data = await asyncio.wait_for(loop.sock_recv(sock, 4096), timeout=10)
        return dict(line.split("=", 1) for line in data.decode().splitlines())

    try:
        assert await next_message() == {"WATCHDOG": "1", "STATUS": "all good"}
        health.tick("rules:default", within=-1.0)  # evaluation overdue: the loop is wedged
        message = await next_message()
        while "WATCHDOG" in message:  # a ping already in flight before the wedge
            message = await next_message()
        assert message["STATUS"].startswith("unhealthy: rules:default overdue by")
        for _ in range(3):
            assert "WATCHDOG" not in await next_message()
        health.tick("rules:default", within=60.0)
        message = await next_message()
        while "WATCHDOG" not in message:
            message = await next_message()
        assert message == {"WATCHDOG": "1", "STATUS": "all good"}
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_daemon_notifies_ready_after_first_round_and_stopping(
    tmp_path: Path, notify_socket: tuple[socket.socket, str]
) -> None:
    """The real daemon sends READY=1 once every target was probed, pings, then STOPPING=1."""
    sock, path = notify_socket
    os.environ["NOTIFY_SOCKET"] = path
    os.environ["WATCHDOG_USEC"] = "1000000"
    try:
        daemon = start_daemon(
            tmp_path,
            {
                "targets": [
                    {"job": "closed", "kind": "tcp", "address": "127.0.0.1:1", "interval": "1s"},
                ]
            },
        )
    finally:
        del os.environ["NOTIFY_SOCKET"], os.environ["WATCHDOG_USEC"]
    try:
        ready = _messages(sock, "READY")[-1]
        assert ready["STATUS"] == (
            "targets: 0 up, 1 down; alerts firing: 0; delivery: NO RECEIVER CONFIGURED"
        )
        assert ready["MAINPID"] == str(daemon.process.pid)
        assert _messages(sock, "WATCHDOG")[-1]["WATCHDOG"] == "1"
    finally:
        assert daemon.stop() == 0
    assert {"STOPPING": "1"} in _messages(sock, "STOPPING")
