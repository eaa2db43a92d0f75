"""The ``host`` probe's process and listener checks, against real processes and sockets.

Assertions are scoped to the PIDs and ports the tests create: whatever else runs on the
machine may also match, and must not decide a result.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.support.listener_child import listener_child
from tests.support.probe_harness import run_target, series_named, value_of
from watchdog.hostcheck.listeners import ephemeral_port_range
from watchdog.probes.base import TargetMemory
from watchdog.probes.kinds.host.probe import ScanLock

SLEEP = shutil.which("sleep") or "/bin/sleep"


@pytest.fixture
async def spawned() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes started by a test, killed by PID afterwards."""
    procs: list[asyncio.subprocess.Process] = []
    yield procs
    for proc in procs:
        proc.kill()
        await proc.wait()


def _host(**checks: Any) -> dict[str, Any]:
    off = {"enabled": False}
    return {
        "job": "host",
        "kind": "host",
        "processes": checks.get("processes", off),
        "listeners": checks.get("listeners", off),
        "files": checks.get("files", off),
    }


async def test_symlink_named_like_a_miner_is_found(
    tmp_path: Path, spawned: list[asyncio.subprocess.Process]
) -> None:
    """`sleep` run through a symlink called xmrig is a denied process, with pid/name/user labels."""
    link = tmp_path / "xmrig"
    link.symlink_to(SLEEP)
    spawned.append(await asyncio.create_subprocess_exec(str(link), "60"))
    pid = spawned[0].pid
    outcome = await run_target(_host(processes={}), tmp_path)
    assert outcome.up
    assert not outcome.success
    user = psutil.Process(pid).username()
    assert (
        value_of(outcome, "watchdog_host_denied_process", pid=str(pid), name="xmrig", user=user)
        == 1.0
    )
    assert (value_of(outcome, "watchdog_host_denied_processes") or 0) >= 1
    assert outcome.error is not None
    assert f"xmrig[{pid}] matches 'xmrig'" in outcome.error


async def test_command_line_match_and_series_cap(
    tmp_path: Path, spawned: list[asyncio.subprocess.Process]
) -> None:
    """Command lines are matched too; series stop at max_series while the count stays whole."""
    marker = f"wdtest{uuid.uuid4().hex[:8]}"
    for index in range(3):
        spawned.append(
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import time; time.sleep(60)", f"{marker}-{index}"
            )
        )
    checks = {"processes": {"deny": [marker], "max_series": 2}}
    outcome = await run_target(_host(**checks), tmp_path)
    assert value_of(outcome, "watchdog_host_denied_processes") == 3.0
    shown = series_named(outcome, "watchdog_host_denied_process")
    assert len(shown) == 2
    assert {labels["pid"] for labels in shown} <= {str(p.pid) for p in spawned}
    assert outcome.facts["denied_processes_not_shown"] == "1 beyond max_series=2"


async def test_clean_process_table_for_a_pattern_passes(tmp_path: Path) -> None:
    """With nothing matching, the count is 0 and the probe succeeds."""
    marker = f"nothing{uuid.uuid4().hex}"
    outcome = await run_target(_host(processes={"deny": [marker]}), tmp_path)
    assert outcome.success, outcome.error
    assert value_of(outcome, "watchdog_host_denied_processes") == 0.0


def _name_of(pid: int) -> str:
    return str(psutil.Process(pid).name())


async def test_unexpected_tcp_listener_with_owner(tmp_path: Path) -> None:
    """Another process listening on a port outside the allow list: a series naming its owner."""
    async with listener_child("tcp:0") as child:
        [port] = child.ports
        only_ours = [f"1-{port - 1}", f"{port + 1}-65535"]  # whatever else listens is allowed
        outcome = await run_target(
            _host(listeners={"protocols": ["tcp"], "allow_ports": only_ours}), tmp_path
        )
        allowed = await run_target(
            _host(listeners={"protocols": ["tcp"], "allow_ports": [f"{port}/tcp"]}), tmp_path
        )
        loopback_ok = await run_target(
            _host(listeners={"protocols": ["tcp"], "ignore_loopback": True}), tmp_path
        )
        owner = _name_of(child.pid)
    labels = {"protocol": "tcp", "address": "127.0.0.1", "port": str(port), "process": owner}
    assert value_of(outcome, "watchdog_host_unexpected_listener", **labels) == 1.0
    assert not outcome.success
    assert outcome.error == f"1 unexpected listener(s): tcp 127.0.0.1:{port} ({owner})"
    assert value_of(outcome, "watchdog_host_unexpected_listeners") == 1.0
    assert value_of(allowed, "watchdog_host_unexpected_listener", port=str(port)) is None
    assert value_of(loopback_ok, "watchdog_host_unexpected_listener", port=str(port)) is None


async def test_own_sockets_are_not_reported(tmp_path: Path) -> None:
    """Sockets of the daemon's own process (its HTTP server, DNS queries) are not suspicious."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        outcome = await run_target(
            _host(listeners={"protocols": ["tcp"], "allow_ports": []}), tmp_path
        )
    assert value_of(outcome, "watchdog_host_unexpected_listener", port=str(port)) is None


def _free_udp_port_below_ephemeral_range() -> int:
    low, _ = ephemeral_port_range()
    for port in range(low - 1, max(1024, low - 5000), -1):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free UDP port below the ephemeral range")


async def test_unexpected_udp_listeners(tmp_path: Path) -> None:
    """Bound UDP sockets count; ephemeral-range ones only when ignore_ephemeral_udp is off."""
    fixed = _free_udp_port_below_ephemeral_range()
    async with listener_child(f"udp:{fixed}", "udp:0") as child:
        fixed_port, ephemeral_port = child.ports
        default = await run_target(_host(listeners={"protocols": ["udp"]}), tmp_path)
        everything = await run_target(
            _host(listeners={"protocols": ["udp"], "ignore_ephemeral_udp": False}), tmp_path
        )
    name = "watchdog_host_unexpected_listener"
    assert value_of(default, name, protocol="udp", port=str(fixed_port)) == 1.0
    assert value_of(default, name, protocol="udp", port=str(ephemeral_port)) is None
    assert value_of(everything, name, protocol="udp", port=str(ephemeral_port)) == 1.0
    assert (value_of(default, "watchdog_host_listeners") or 0) >= 1


async def test_listener_series_are_capped(tmp_path: Path) -> None:
    """Never more than max_series listener series, whatever listens on the machine."""
    async with listener_child("tcp:0", "tcp:0"):
        outcome = await run_target(
            _host(listeners={"protocols": ["tcp"], "allow_ports": [], "max_series": 1}), tmp_path
        )
    assert len(series_named(outcome, "watchdog_host_unexpected_listener")) == 1
    assert (value_of(outcome, "watchdog_host_unexpected_listeners") or 0) >= 2


async def test_scan_still_running_is_not_started_twice(tmp_path: Path) -> None:
    """While an earlier scan of one target still runs, the next probe fails, not piles up."""
    memory = TargetMemory()
    lock = memory.get(ScanLock).lock
    lock.acquire()
    try:
        outcome = await run_target(_host(processes={}), tmp_path, memory=memory)
    finally:
        lock.release()
    assert not outcome.up
    assert outcome.error == "the previous host scan is still running (it outlived its timeout)"
