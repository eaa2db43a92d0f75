"""``monitor-watchdog run -c FILE``: the daemon."""

from __future__ import annotations

import argparse
from pathlib import Path

from watchdog.commands.common import add_web_config_flag

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` subcommand."""
    parser = sub.add_parser("run", help="run the daemon")
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument("--listen", help="override server.listen (host:port)")
    parser.add_argument(
        "--web.enable-lifecycle",
        dest="enable_lifecycle",
        action="store_true",
        help="allow POST /-/reload (like Prometheus; also server.enable_lifecycle)",
    )
    add_web_config_flag(parser)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import asyncio

    from watchdog.lifecycle import run_daemon

    return asyncio.run(
        run_daemon(
            args.config,
            listen=args.listen,
            enable_lifecycle=args.enable_lifecycle,
            web_config_file=args.web_config_file,
        )
    )
