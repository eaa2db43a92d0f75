"""The canary as an RFC 5424 syslog message, over UDP, TCP or a unix socket.

``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`` with ``PRI = facility * 8 +
severity``, a UTC timestamp with milliseconds, MSGID ``canary`` and no structured data. Stream
transports frame each message with a trailing LF (what Fluent Bit's ``syslog`` input and most
receivers expect) or with RFC 6587 octet counting (``LEN SP MSG``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from datetime import UTC, datetime

from watchdog.probes.kinds.logcanary.config import SyslogEmit
from watchdog.probes.kinds.logcanary.line import CanaryLine

__all__ = ["format_rfc5424", "send_syslog"]


def format_rfc5424(cfg: SyslogEmit, canary: CanaryLine, hostname: str, pid: int) -> bytes:
    """One RFC 5424 message carrying the canary line."""
    stamp = datetime.fromtimestamp(canary.emitted_at, UTC).isoformat(timespec="milliseconds")
    pri = cfg.facility * 8 + cfg.severity
    stamp = stamp.replace("+00:00", "Z")
    return f"<{pri}>1 {stamp} {hostname} {cfg.app_name} {pid} canary - {canary.text}".encode()


def _hostname(cfg: SyslogEmit) -> str:
    if cfg.hostname:
        return cfg.hostname
    name = "".join(ch for ch in socket.gethostname() if "!" <= ch <= "~")
    return name[:255] or "-"


def _frame(cfg: SyslogEmit, message: bytes) -> bytes:
    if cfg.framing == "octet_counting":
        return f"{len(message)} ".encode() + message
    return message + b"\n"


async def send_syslog(cfg: SyslogEmit, canary: CanaryLine) -> None:
    """Send the canary once; socket errors propagate as OSError."""
    message = format_rfc5424(cfg, canary, _hostname(cfg), os.getpid())
    if cfg.protocol in ("udp", "unix"):
        await _send_datagram(cfg, message)
    else:
        await _send_stream(cfg, _frame(cfg, message))


async def _send_datagram(cfg: SyslogEmit, message: bytes) -> None:
    loop = asyncio.get_running_loop()
    if cfg.protocol == "unix":
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            await loop.sock_sendto(sock, message, str(cfg.path))
        return
    assert cfg.address is not None
    host, _, port = cfg.address.rpartition(":")
    infos = await loop.getaddrinfo(host.strip("[]"), int(port), type=socket.SOCK_DGRAM)
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setblocking(False)
        await loop.sock_sendto(sock, message, address)


async def _send_stream(cfg: SyslogEmit, data: bytes) -> None:
    if cfg.protocol == "unix_stream":
        _reader, writer = await asyncio.open_unix_connection(str(cfg.path))
    else:
        assert cfg.address is not None
        host, _, port = cfg.address.rpartition(":")
        _reader, writer = await asyncio.open_connection(host.strip("[]"), int(port))
    try:
        writer.write(data)
        await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
