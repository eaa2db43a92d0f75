"""``monitor-watchdog`` command line: one subcommand per module in ``watchdog.commands``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from watchdog import __version__
from watchdog.commands import COMMANDS
from watchdog.gctuning import tune_garbage_collector
from watchdog.logs import configure_logging

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="monitor-watchdog",
        description="Watches the watchers: Vault, PKI, Prometheus, Alertmanager, log pipeline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument("--log-format", default="auto", choices=["auto", "json", "console"])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    tune_garbage_collector()
    # The daemon logs to stdout (journald, container logs); one-shot commands keep stdout for
    # their output and log to stderr.
    configure_logging(
        args.log_level,
        args.log_format,
        stream_name="stdout" if args.command == "run" else "stderr",
    )
    code: int = args.handler(args)
    return code
