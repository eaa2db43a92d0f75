"""A child process that holds listening sockets, so tests see sockets owned by another PID."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

__all__ = ["ListenerChild", "listener_child"]

_SCRIPT = """
import socket, sys, time
socks = []
for spec in sys.argv[1:]:
    proto, port = spec.split(":")
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind(("127.0.0.1", int(port)))
    if proto == "tcp":
        sock.listen()
    socks.append(sock)
print(" ".join(str(s.getsockname()[1]) for s in socks), flush=True)
time.sleep(120)
"""


@dataclass
class ListenerChild:
    """The child's PID and its ports, in the order of the specs."""

    pid: int
    ports: list[int]


@asynccontextmanager
async def listener_child(*specs: str) -> AsyncIterator[ListenerChild]:
    """``async with listener_child("tcp:0", "udp:5353") as child: child.ports``; killed after."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SCRIPT, *specs, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=20)
        if not line:
            raise AssertionError(f"listener child exited with {await proc.wait()}")
        yield ListenerChild(proc.pid, [int(p) for p in line.split()])
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
