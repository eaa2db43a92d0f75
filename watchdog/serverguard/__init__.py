"""Hardening of the daemon's HTTP server against hostile and broken clients.

A connection limit inside the process' file descriptor budget (``budget``), deadlines for
request heads, idle keep-alives and bodies, eviction of idle connections at the limit
(``connections``), bounded bodies and a safety net around handlers (``middleware``), and
``accept()`` failures logged once per state change (``accepterrors``).
"""

from watchdog.serverguard.accepterrors import ACCEPT_FAILURE_MESSAGE, AcceptErrors
from watchdog.serverguard.budget import FdBudget, plan_fd_budget, raise_nofile_limit
from watchdog.serverguard.connections import ConnectionGuard, GuardedProtocol
from watchdog.serverguard.middleware import bounded_body, safety_net

__all__ = [
    "ACCEPT_FAILURE_MESSAGE",
    "AcceptErrors",
    "ConnectionGuard",
    "FdBudget",
    "GuardedProtocol",
    "bounded_body",
    "plan_fd_budget",
    "raise_nofile_limit",
    "safety_net",
]
