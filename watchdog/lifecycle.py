"""The daemon's main loop: start, then wait for signals (SIGTERM/SIGINT stop, SIGHUP reloads)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from watchdog.app import Daemon
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.logs import get_logger
from watchdog.reload import ReloadResult

__all__ = ["SHUTDOWN_GRACE", "run_daemon"]

SHUTDOWN_GRACE = 5.0
"""Seconds beyond the configured drain time that stopping may take before we give up."""


async def run_daemon(
    config_path: Path,
    *,
    listen: str | None = None,
    enable_lifecycle: bool = False,
    web_config_file: Path | None = None,
) -> int:
    """Load the config and run until SIGTERM/SIGINT (SIGHUP reloads); the CLI's exit code."""
    log = get_logger("daemon")
    try:
        config = load_config(config_path, web_config_file=web_config_file)
        daemon = Daemon(config, listen=listen, enable_lifecycle=enable_lifecycle)
    except ConfigError as exc:
        for issue in exc.issues:
            log.error("config error", issue=str(issue))
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    reloads: set[asyncio.Task[ReloadResult]] = set()

    def on_sighup() -> None:
        task = asyncio.create_task(daemon.reload("SIGHUP"), name="reload")
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_sighup)
    try:
        await daemon.start()
        await stop.wait()
        log.info("stopping", reason="signal")
    except OSError as exc:
        log.error("cannot start", error=str(exc))
        return 1
    finally:
        await asyncio.wait_for(daemon.stop(), timeout=SHUTDOWN_GRACE + 5)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
    return 0
