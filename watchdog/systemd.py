"""The systemd notify protocol (sd_notify) without libsystemd: READY, STATUS, WATCHDOG, RELOADING.

Messages are newline-separated ``KEY=VALUE`` lines in one datagram to the unix socket named by
``$NOTIFY_SOCKET`` (a leading ``@`` means the abstract namespace). Outside systemd the variable is
unset and every call is a no-op.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Mapping

from watchdog.health import LoopHealth
from watchdog.logs import get_logger

__all__ = ["SystemdNotifier", "watchdog_interval"]


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between WATCHDOG=1 pings (half of ``WatchdogSec=``), or None when not asked."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC")
    if not usec or not usec.isdigit() or int(usec) == 0:
        return None
    pid = env.get("WATCHDOG_PID")
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None  # the watchdog is meant for another process (e.g. a wrapper)
    return int(usec) / 1_000_000 / 2


class SystemdNotifier:
    """Sends notifications to systemd when running under ``Type=notify``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "")
        self._address: str | None = None
        if raw.startswith("@"):
            self._address = "\0" + raw[1:]
        elif raw.startswith("/"):
            self._address = raw
        self._interval = watchdog_interval(env)
        self._log = get_logger("systemd")

    @property
    def enabled(self) -> bool:
        """True when ``$NOTIFY_SOCKET`` points somewhere."""
        return self._address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between watchdog pings, when systemd asked for them."""
        return self._interval

    def notify(self, **fields: str) -> bool:
        """Send ``KEY=VALUE`` fields in one datagram; False when not under systemd or on error."""
        if self._address is None:
            return False
        payload = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, self._address)
        except OSError as exc:
            self._log.warning("sd_notify failed", error=str(exc))
            return False
        return True

    def ready(self, status: str) -> bool:
        """The service finished starting."""
        return self.notify(READY="1", STATUS=status, MAINPID=str(os.getpid()))

    def status(self, status: str) -> bool:
        """A one-line status shown by ``systemctl status``."""
        return self.notify(STATUS=status)

    def reloading(self) -> bool:
        """A reload started (systemd 253+ also wants the monotonic timestamp)."""
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.notify(RELOADING="1", MONOTONIC_USEC=str(usec))

    def stopping(self) -> bool:
        """Shutdown started."""
        return self.notify(STOPPING="1")

    async def keep_alive(self, health: LoopHealth, status: Callable[[], str]) -> None:
        """Ping the watchdog while the loop is healthy; stop pinging (so systemd restarts us)
        while it is not. Also refreshes STATUS= on each round."""
        interval = self._interval
        if interval is None or not self.enabled:
            return
        was_healthy = True
        while True:
            problems = health.problems()
            if problems:
                if was_healthy:
                    self._log.error("loop unhealthy, withholding watchdog pings", problems=problems)
                self.status("unhealthy: " + "; ".join(problems))
            else:
                self.notify(WATCHDOG="1", STATUS=status())
            was_healthy = not problems
            await asyncio.sleep(interval)
