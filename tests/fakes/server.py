"""Moved to :mod:`devstack.fakes.server` (shared with the demo); re-exported."""

from devstack.fakes.server import FakeServer, Fault, RecordedRequest

__all__ = ["FakeServer", "Fault", "RecordedRequest"]
