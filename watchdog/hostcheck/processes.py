"""Processes whose name or command line matches a deny pattern (the seed's miner check)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.userregex import Regex

__all__ = ["DEFAULT_DENY", "DeniedProcess", "find_denied"]

DEFAULT_DENY = ("xmrig", "cryptonight", "minerd", "stratum")
"""The seed script's patterns (``ps aux | grep -E '(xmrig|cryptonight|minerd|stratum)'``)."""


@dataclass(frozen=True, order=True)
class DeniedProcess:
    """One running process that matched; the command line itself is never kept (secrets)."""

    pid: int
    name: str
    user: str
    pattern: str
    matched_in: str
    """``name`` or ``cmdline``."""


def find_denied(
    patterns: Sequence[Regex], exclude_pids: frozenset[int] = frozenset()
) -> list[DeniedProcess]:
    """Every visible process matching one of ``patterns``, by PID.

    The name is psutil's (``/proc/PID/comm``, extended from argv[0] when truncated); the
    command line is argv joined with spaces. Processes of other users whose command line is
    hidden (``hidepid``) are matched on their name only.
    """
    import psutil  # here: loading a config imports this module for its defaults

    own = exclude_pids | {os.getpid()}
    found: list[DeniedProcess] = []
    for proc in psutil.process_iter(["pid", "name", "cmdline", "username"]):
        info = proc.info
        pid = info.get("pid")
        if pid is None or pid in own:
            continue
        name = info.get("name") or ""
        cmdline = " ".join(info.get("cmdline") or ())
        for pattern in patterns:
            where = (
                "name" if pattern.matches(name) else "cmdline" if pattern.matches(cmdline) else ""
            )
            if where:
                user = info.get("username") or "?"
                found.append(DeniedProcess(pid, name or "?", user, pattern.pattern, where))
                break
    return sorted(found)
