"""File descriptors: how many the HTTP server may hold, so probes and files always get theirs.

Every accepted connection is a file descriptor. Without a cap, a flood of idle connections
takes every descriptor the process may open, and then probes cannot connect, rule state and
the journal cannot be written, and ``accept()`` itself fails in a tight loop. The server is
therefore capped at ``max_connections`` and never at more than the process limit minus
``reserved_fds``: those stay for the probe HTTP client, file reads and the state databases.
The listen backlog is sized from the reserve too (``accept_batch``).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

__all__ = ["SOFT_LIMIT_CEILING", "FdBudget", "plan_fd_budget", "raise_nofile_limit"]

SOFT_LIMIT_CEILING = 65_536
"""The soft limit is raised towards the hard limit, but no higher than this."""
_MIN_CONNECTIONS = 8


@dataclass(frozen=True)
class FdBudget:
    """The outcome of planning: the connection limit and why it is what it is."""

    nofile: int
    connection_limit: int
    reserved: int
    warning: str | None = None

    @property
    def accept_batch(self) -> int:
        """The listen backlog, which is also how many sockets asyncio accepts in one go.

        Each accepted socket is a descriptor before the guard can refuse it, and a refused
        one is closed only on the loop's next turn, so two batches must fit in the reserve
        next to everything else: an eighth of it, between 8 and 128.
        """
        return max(8, min(128, self.reserved // 8))


def raise_nofile_limit(ceiling: int = SOFT_LIMIT_CEILING) -> int:
    """Raise the soft RLIMIT_NOFILE towards the hard limit (as Go's runtime does); the result.

    The default soft limit of 1024 is a relic of ``select()``; this daemon uses epoll. A
    failure to raise it keeps the current limit, which the budget then works within.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = ceiling if hard == resource.RLIM_INFINITY else min(hard, ceiling)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return ceiling if soft == resource.RLIM_INFINITY else soft


def plan_fd_budget(nofile: int, max_connections: int, reserved_fds: int) -> FdBudget:
    """The connection limit: ``max_connections``, but always ``reserved_fds`` below ``nofile``.

    When the process limit is too low to reserve that many, half of it is kept for the
    server and half for everything else, and the warning says so.
    """
    room = nofile - reserved_fds
    if room >= _MIN_CONNECTIONS:
        limit = min(max_connections, room)
        return FdBudget(nofile, limit, nofile - limit)
    limit = max(1, min(max_connections, nofile // 2))
    warning = (
        f"the file descriptor limit ({nofile}) leaves no room for server.reserved_fds"
        f" ({reserved_fds}): serving at most {limit} connections and keeping"
        f" {nofile - limit} descriptors for probes and files; raise LimitNOFILE="
    )
    return FdBudget(nofile, limit, nofile - limit, warning)
