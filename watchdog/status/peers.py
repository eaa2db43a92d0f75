"""The HA peers section, from the HA peer set (``watchdog.ha.peers.PeerSet``) when HA runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from watchdog.redact import redact
from watchdog.status.views import PeersView, PeerView, When

__all__ = ["PeerLike", "PeerSetLike", "build_peers"]


class PeerLike(Protocol):
    """What the page shows of one peer."""

    @property
    def name(self) -> str: ...
    @property
    def up(self) -> bool: ...
    @property
    def since(self) -> float | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def clock_skew(self) -> float | None: ...


class PeerSetLike(Protocol):
    """This instance's name, its position among the live instances, and its peers."""

    @property
    def me(self) -> str: ...
    @property
    def all(self) -> Sequence[PeerLike]: ...
    def position(self) -> int: ...


def build_peers(peers: PeerSetLike) -> PeersView:
    """The section: this instance, its position (0 pages first), each peer's state."""
    return PeersView(
        me=peers.me,
        position=peers.position(),
        peers=[
            PeerView(
                name=p.name,
                up=p.up,
                since=When(p.since) if p.since is not None else None,
                error=redact(p.error) if p.error else None,
                clock_skew=p.clock_skew,
            )
            for p in peers.all
        ],
    )
