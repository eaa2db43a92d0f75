"""Demo ports: defaults, overrides, busy ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from devstack.demo.layout import (
    DEFAULT_PORTS,
    PortError,
    choose_ports,
    parse_port_overrides,
)


@pytest.fixture
def busy() -> Iterator[int]:
    """A port somebody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_overrides_are_parsed_and_checked() -> None:
    """NAME=PORT pairs are read; unknown names and bad ports are refused with the known names."""
    assert parse_port_overrides(["prometheus=9090", "watchdog=9911"]) == {
        "prometheus": 9090,
        "watchdog": 9911,
    }
    with pytest.raises(PortError, match="NAME one of watchdog, prometheus"):
        parse_port_overrides(["grafana=3000"])
    with pytest.raises(PortError, match="out of range"):
        parse_port_overrides(["loki=70000"])


def test_a_busy_override_is_refused(busy: int) -> None:
    """An explicitly requested port that is taken is an error, not silently replaced."""
    with pytest.raises(PortError, match=f"port {busy} for sink is in use"):
        choose_ports({"sink": busy})


def test_free_ports_are_distinct_and_leave_room_for_the_raft_port() -> None:
    """With all_free every component gets its own port, and OpenBao's next port is free too."""
    ports, notes = choose_ports({}, all_free=True)
    assert set(ports) == set(DEFAULT_PORTS)
    assert notes == []
    taken = [*ports.values(), ports["openbao"] + 1]
    assert len(taken) == len(set(taken))
