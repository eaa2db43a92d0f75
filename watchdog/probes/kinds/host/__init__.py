"""``host``: denied processes, unexpected listeners and changed files on this machine."""

from watchdog.probes.kinds.host.probe import KIND, HostTarget

__all__ = ["KIND", "HostTarget"]
