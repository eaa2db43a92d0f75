"""Listening TCP sockets and bound UDP sockets that are not in an allow list."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.hostcheck.errors import HostCheckError

__all__ = [
    "DEFAULT_ALLOWED_PORTS",
    "Listener",
    "PortRule",
    "ephemeral_port_range",
    "find_unexpected",
    "list_listeners",
]

DEFAULT_ALLOWED_PORTS = (22, 80, 443, 8080, 8443, 9090, 9100, 6443)
"""The seed script's allow list (``ss -tlnp | grep -vE ':(22|80|...) '``)."""

_RULE = re.compile(r"^(\d+)(?:-(\d+))?(?:/(tcp|udp))?$")
_EPHEMERAL_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@dataclass(frozen=True)
class PortRule:
    """An allowed port or range, for one protocol or both: ``22``, ``53/udp``, ``8000-8100/tcp``."""

    low: int
    high: int
    protocol: str | None

    @classmethod
    def parse(cls, value: int | str) -> PortRule:
        """Parse one allow-list entry; ValueError with the reason when it is not one."""
        match = _RULE.match(str(value).strip().lower())
        if not match:
            raise ValueError(f"{value!r} is not a port rule (e.g. 22, 53/udp, 8000-8100/tcp)")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 0 < low <= high < 65536:
            raise ValueError(f"{value!r}: ports must be within 1-65535, low before high")
        return cls(low, high, match.group(3))

    def allows(self, protocol: str, port: int) -> bool:
        """True when this rule covers ``port`` over ``protocol``."""
        return self.low <= port <= self.high and self.protocol in (None, protocol)


@dataclass(frozen=True, order=True)
class Listener:
    """One socket waiting for peers; ``process`` is "" when its owner is not visible."""

    protocol: str
    port: int
    address: str
    process: str


def ephemeral_port_range() -> tuple[int, int]:
    """The kernel's range for automatically bound ports (Linux default 32768-60999)."""
    try:
        low, high = _EPHEMERAL_FILE.read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def list_listeners(protocols: Collection[str]) -> list[Listener]:
    """TCP sockets in LISTEN and UDP sockets without a peer, de-duplicated, sorted.

    The daemon's own sockets (its HTTP server, the DNS probe's queries) are left out when their
    owner is visible.
    """
    import psutil  # here: loading a config imports this module for its defaults

    own = os.getpid()
    names: dict[int, str] = {}
    found: set[Listener] = set()
    for protocol in protocols:
        try:
            connections = psutil.net_connections(kind=protocol)
        except psutil.AccessDenied:
            raise HostCheckError(f"listing {protocol} sockets was denied") from None
        for conn in connections:
            if protocol == "tcp" and conn.status != psutil.CONN_LISTEN:
                continue
            if protocol == "udp" and conn.raddr:
                continue  # a connected UDP socket is a client
            if not conn.laddr or conn.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            if conn.pid == own:
                continue
            process = _process_name(conn.pid, names) if conn.pid else ""
            found.add(Listener(protocol, conn.laddr.port, conn.laddr.ip, process))
    return sorted(_merge_owners(found))


def find_unexpected(
    listeners: Sequence[Listener],
    allowed: Sequence[PortRule],
    *,
    ignore_loopback: bool,
    ignore_ephemeral_udp: bool,
) -> list[Listener]:
    """The listeners no rule allows."""
    low, high = ephemeral_port_range()
    out = []
    for item in listeners:
        if any(rule.allows(item.protocol, item.port) for rule in allowed):
            continue
        if ignore_loopback and _is_loopback(item.address):
            continue
        if ignore_ephemeral_udp and item.protocol == "udp" and low <= item.port <= high:
            continue
        out.append(item)
    return out


def _process_name(pid: int, cache: dict[int, str]) -> str:
    import psutil

    if pid not in cache:
        try:
            cache[pid] = psutil.Process(pid).name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            cache[pid] = ""
    return cache[pid]


def _merge_owners(found: set[Listener]) -> list[Listener]:
    """One entry per (protocol, address, port): sockets shared by processes list every owner."""
    owners: dict[tuple[str, int, str], set[str]] = {}
    for item in found:
        owners.setdefault((item.protocol, item.port, item.address), set()).add(item.process)
    return [
        Listener(protocol, port, address, ",".join(sorted(p for p in procs if p)))
        for (protocol, port, address), procs in owners.items()
    ]


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return (mapped or ip).is_loopback
