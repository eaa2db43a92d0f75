"""A tiny authoritative DNS server on a loopback UDP port, for the ``dns`` probe's tests.

Test peer, not a fake of any product: it answers the way RFC 1035 servers do, built with
dnspython's message API. What each name does:

``ok.test``       A 192.0.2.1 and 192.0.2.2; TXT "hello world"; MX 10 mail.ok.test;
                  SRV 0 5 5060 sip.ok.test; AAAA: NOERROR with no records (NODATA)
``alias.test``    CNAME ok.test (followed by ok.test's records of the asked type)
``missing.test``  NXDOMAIN             ``broken.test``   SERVFAIL
``refused.test``  REFUSED              ``silent.test``   never answered
``garbage.test``  answered with bytes that are not a DNS message
``big.test``      answered with the TC (truncated) flag, and there is no TCP service
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

__all__ = ["DnsPeer", "serve_dns"]

_RECORDS = {
    ("ok.test.", "A"): ["192.0.2.1", "192.0.2.2"],
    ("ok.test.", "TXT"): ['"hello world"'],
    ("ok.test.", "MX"): ["10 mail.ok.test."],
    ("ok.test.", "SRV"): ["0 5 5060 sip.ok.test."],
    ("alias.test.", "CNAME"): ["ok.test."],
}
_RCODES = {
    "missing.test.": dns.rcode.NXDOMAIN,
    "broken.test.": dns.rcode.SERVFAIL,
    "refused.test.": dns.rcode.REFUSED,
}


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, peer: DnsPeer) -> None:
        self.peer = peer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        reply = self.peer.answer(data)
        if reply is not None:
            self.transport.sendto(reply, addr)


class DnsPeer:
    """The server's state: where it listens and which names were asked."""

    def __init__(self) -> None:
        self.queries: Counter[str] = Counter()
        self.port = 0

    @property
    def address(self) -> str:
        """The ``ip:port`` a resolver should ask."""
        return f"127.0.0.1:{self.port}"

    def answer(self, data: bytes) -> bytes | None:
        """The wire reply to one query, or None to stay silent."""
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        self.queries[name] += 1
        if name == "silent.test.":
            return None
        if name == "garbage.test.":
            return b"\x00\x01not a dns message"
        response = dns.message.make_response(query)
        if name == "big.test.":
            response.flags |= dns.flags.TC
        elif name in _RCODES:
            response.set_rcode(_RCODES[name])
        elif (name, kind) in _RECORDS:
            response.answer.append(
                dns.rrset.from_text(question.name, 60, "IN", kind, *_RECORDS[(name, kind)])
            )
        elif (name, "CNAME") in _RECORDS:
            target = _RECORDS[(name, "CNAME")][0]
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "CNAME", target))
            if (target, kind) in _RECORDS:  # the chain is followed, as a recursive server does
                response.answer.append(
                    dns.rrset.from_text(target, 60, "IN", kind, *_RECORDS[(target, kind)])
                )
        return response.to_wire()


@asynccontextmanager
async def serve_dns() -> AsyncIterator[DnsPeer]:
    """``async with serve_dns() as peer: peer.address`` is ``127.0.0.1:PORT``."""
    peer = DnsPeer()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Protocol(peer), local_addr=("127.0.0.1", 0)
    )
    peer.port = transport.get_extra_info("sockname")[1]
    try:
        yield peer
    finally:
        transport.close()
