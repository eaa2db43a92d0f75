"""Moved to :mod:`devstack.polling` (shared with the demo); re-exported."""

from devstack.polling import async_wait_for, wait_for

__all__ = ["async_wait_for", "wait_for"]
