"""``monitor-watchdog run -c FILE``: the daemon."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from watchdog.app import run_daemon

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` subcommand."""
    parser = sub.add_parser("run", help="run the daemon")
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument("--listen", help="override server.listen (host:port)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    return asyncio.run(run_daemon(args.config, listen=args.listen))
