"""Moved to :mod:`devstack.fakes.fluentbit` (shared with the demo); re-exported."""

from devstack.fakes.fluentbit import FakeFluentBit

__all__ = ["FakeFluentBit"]
