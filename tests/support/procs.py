"""Moved to :mod:`devstack.procs` (shared with the demo); re-exported."""

from devstack.procs import ManagedProcess, free_port, http_ok

__all__ = ["ManagedProcess", "free_port", "http_ok"]
