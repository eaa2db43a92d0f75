"""Host-level degraded-mode checks (processes, listeners, watched files), without shelling out.

Used by the ``host`` probe and the ``baseline`` command; everything here is blocking (``/proc``
and file reads) and is run in a worker thread by the probe.
"""

from watchdog.hostcheck.errors import HostCheckError

__all__ = ["HostCheckError"]
