"""Allow-list rules for listeners."""

from __future__ import annotations

import pytest

from watchdog.hostcheck.listeners import Listener, PortRule, find_unexpected


@pytest.mark.parametrize(
    ("entry", "protocol", "port", "allowed"),
    [
        (22, "tcp", 22, True),
        (22, "udp", 22, True),
        ("53/udp", "tcp", 53, False),
        ("53/udp", "udp", 53, True),
        ("8000-8100/tcp", "tcp", 8050, True),
        ("8000-8100/tcp", "tcp", 8101, False),
    ],
)
def test_port_rules(entry: int | str, protocol: str, port: int, allowed: bool) -> None:
    """A rule covers its port or range, for its protocol or both."""
    assert PortRule.parse(entry).allows(protocol, port) is allowed


@pytest.mark.parametrize("entry", ["0", "70000", "22/sctp", "100-10", "ssh", ""])
def test_bad_port_rules(entry: str) -> None:
    """Anything else is refused with the entry in the message."""
    with pytest.raises(ValueError, match="port"):
        PortRule.parse(entry)


def test_loopback_includes_mapped_and_v6() -> None:
    """ignore_loopback covers 127.x, ::1 and IPv4-mapped loopback, not other addresses."""
    items = [
        Listener("tcp", 5000, "127.0.0.2", ""),
        Listener("tcp", 5000, "::1", ""),
        Listener("tcp", 5000, "::ffff:127.0.0.1", ""),
        Listener("tcp", 5000, "0.0.0.0", ""),
    ]
    left = find_unexpected(items, [], ignore_loopback=True, ignore_ephemeral_udp=False)
    assert left == [Listener("tcp", 5000, "0.0.0.0", "")]
