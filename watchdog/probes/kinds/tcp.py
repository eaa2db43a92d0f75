"""``tcp``: can a TCP connection be opened to host:port?"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Literal

from pydantic import field_validator

from watchdog.config.targets import TargetBase, split_address
from watchdog.probes.base import (
    ProbeContext,
    ProbeError,
    ProbeKind,
    ProbeResult,
    describe_os_error,
)
from watchdog.samples import Sample

__all__ = ["KIND", "TcpTarget"]


class TcpTarget(TargetBase):
    """Settings of a ``tcp`` target."""

    kind: Literal["tcp"]
    address: str

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        split_address(value)
        return value

    def default_instance(self) -> str:
        """The address itself."""
        return self.address


async def probe_tcp(ctx: ProbeContext[TcpTarget]) -> ProbeResult:
    """Open and close one connection."""
    host, port = split_address(ctx.config.address)
    t0 = time.perf_counter()
    try:
        _reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        raise ProbeError(
            f"connect to {ctx.config.address} failed: {describe_os_error(exc)}"
        ) from None
    connect_seconds = time.perf_counter() - t0
    writer.close()
    with contextlib.suppress(OSError):  # a reset on close does not make the port unreachable
        await writer.wait_closed()
    return ProbeResult([Sample("probe_tcp_connect_seconds", connect_seconds)])


KIND = ProbeKind(
    name="tcp",
    config=TcpTarget,
    run=probe_tcp,
    produces=frozenset({"probe_tcp_connect_seconds"}),
    summary="TCP connect to host:port",
)
