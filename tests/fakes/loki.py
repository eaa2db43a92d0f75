"""Moved to :mod:`devstack.fakes.loki` (shared with the demo); re-exported."""

from devstack.fakes.loki import FakeLoki

__all__ = ["FakeLoki"]
