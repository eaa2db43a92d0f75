"""Emitting a canary into each kind of pipeline input."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devstack.fakes.loki import FakeLoki
from devstack.fakes.server import Fault
from devstack.fakes.shipper import FakeShipper
from tests.support.probe_harness import validate_target
from watchdog.clock import FakeClock
from watchdog.probes.kinds.logcanary.config import LogCanaryTarget
from watchdog.probes.kinds.logcanary.emit import EmitError, emit
from watchdog.probes.kinds.logcanary.line import DEFAULT_TAG, make_canary

CANARY = make_canary(DEFAULT_TAG, "canary/test", 1_700_000_000.5, nonce="0123456789abcdef")
RFC5424 = re.compile(
    r"^<133>1 2023-11-14T22:13:20\.500Z \S+ monitor-watchdog \d+ canary - (?P<msg>.+)$"
)


def _emitter(**emit_fields: Any) -> Any:
    config = validate_target(
        "logcanary",
        emit=emit_fields,
        backends=[{"name": "l", "kind": "loki", "url": "http://l:3100", "selector": '{a="b"}'}],
    )
    assert isinstance(config, LogCanaryTarget)
    return config.emit


async def test_file_append_creates_and_appends(tmp_path: Path, session: aiohttp.ClientSession):
    """Each canary is one whole line appended to the tailed file."""
    path = tmp_path / "canary.log"
    cfg = _emitter(kind="file", path=str(path))
    await emit(session, cfg, CANARY, 65536)
    await emit(session, cfg, CANARY, 65536)
    assert path.read_text() == f"{CANARY.text}\n{CANARY.text}\n"


async def test_file_errors_are_precise(tmp_path: Path, session: aiohttp.ClientSession):
    """A missing directory or a missing file with create: false say exactly that."""
    with pytest.raises(EmitError, match="its directory does not exist"):
        await emit(session, _emitter(kind="file", path=str(tmp_path / "no/c.log")), CANARY, 1024)
    cfg = _emitter(kind="file", path=str(tmp_path / "c.log"), create=False)
    with pytest.raises(EmitError, match=r"it does not exist \(create: false\)"):
        await emit(session, cfg, CANARY, 1024)


async def test_http_json_to_a_fluent_bit_style_input(tmp_path: Path, session):
    """format json posts {"log": line}; the http input answers 201 and ships the line."""
    shipper = FakeShipper(tmp_path / "unused.log", FakeClock(), session)
    received: list[str] = []
    shipper.accept = received.append  # type: ignore[method-assign]
    async with shipper.http_input() as http_input:
        await emit(session, _emitter(kind="http", url=f"{http_input.url}/canary"), CANARY, 1024)
    assert received == [CANARY.text]


async def test_http_loki_push(session):
    """format loki pushes one stream with the canary labels and a nanosecond timestamp."""
    async with FakeLoki(require_tenant=True) as loki:
        cfg = _emitter(
            kind="http", url=f"{loki.url}/loki/api/v1/push", format="loki", tenant_id="ops"
        )
        await emit(session, cfg, CANARY, 1024)
    assert loki.streams == {
        (("canary", "true"), ("job", "monitor-watchdog")): [
            (1_700_000_000_500_000_000, CANARY.text)
        ]
    }


async def test_http_refusal_is_an_emit_error(session):
    """A 500 from the input is an EmitError with status and body."""
    async with FakeLoki(push_error=(500, "at least 1 live replicas required")) as loki:
        cfg = _emitter(kind="http", url=f"{loki.url}/loki/api/v1/push", format="loki")
        with pytest.raises(EmitError, match="refused the canary: HTTP 500: at least 1 live"):
            await emit(session, cfg, CANARY, 1024)


async def test_http_input_unreachable(session):
    """A closed port is an EmitError saying the connection failed."""
    async with FakeLoki(faults={"/": Fault("status", 502, "bad gateway")}) as loki:
        url = loki.url
    with pytest.raises(EmitError, match="connection failed"):
        await emit(session, _emitter(kind="http", url=url), CANARY, 1024)


class _Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received.put_nowait(data)


async def test_syslog_udp_rfc5424(session):
    """UDP: one datagram, an RFC 5424 message with PRI local0.notice and the canary as MSG."""
    loop = asyncio.get_running_loop()
    transport, collector = await loop.create_datagram_endpoint(
        _Collector, local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    try:
        await emit(session, _emitter(kind="syslog", address=f"127.0.0.1:{port}"), CANARY, 1024)
        data = await asyncio.wait_for(collector.received.get(), 5)
    finally:
        transport.close()
    match = RFC5424.match(data.decode())
    assert match is not None, data
    assert match["msg"] == CANARY.text


@pytest.mark.parametrize(("framing", "prefix"), [("newline", b""), ("octet_counting", None)])
async def test_syslog_tcp_framing(session, framing, prefix):
    """TCP: LF-terminated by default, 'LEN SP MSG' with octet counting."""
    got: asyncio.Queue[bytes] = asyncio.Queue()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got.put_nowait(await reader.read())
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        cfg = _emitter(kind="syslog", protocol="tcp", address=f"127.0.0.1:{port}", framing=framing)
        await emit(session, cfg, CANARY, 1024)
        data = await asyncio.wait_for(got.get(), 5)
    if framing == "newline":
        assert data.endswith(b"\n")
        message = data[:-1]
    else:
        length, _, message = data.partition(b" ")
        assert int(length) == len(message)
    assert RFC5424.match(message.decode()) is not None


async def test_syslog_unix_datagram(tmp_path: Path, session):
    """unix: one datagram to the socket path (like /dev/log)."""
    path = tmp_path / "log.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(str(path))
        await emit(session, _emitter(kind="syslog", protocol="unix", path=str(path)), CANARY, 1024)
        data = receiver.recv(4096)
    assert RFC5424.match(data.decode()) is not None


async def test_syslog_refused_is_an_emit_error(tmp_path: Path, session):
    """Nobody listening on the stream socket: an EmitError naming transport and reason."""
    cfg = _emitter(kind="syslog", protocol="unix_stream", path=str(tmp_path / "none.sock"))
    with pytest.raises(EmitError, match=r"syslog unix_stream to .*none\.sock failed: no such file"):
        await emit(session, cfg, CANARY, 1024)
