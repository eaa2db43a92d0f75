"""Moved to :mod:`devstack.fakes.shipper` (shared with the demo); re-exported."""

from devstack.fakes.shipper import FakeShipper, Route, flip_last_char

__all__ = ["FakeShipper", "Route", "flip_last_char"]
