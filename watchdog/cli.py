"""``monitor-watchdog`` command line: one subcommand per module in ``watchdog.commands``.

Only argparse runs before a subcommand is chosen: each command module imports what it needs
inside its handler, so ``--help`` and ``check`` do not load the probes, aiohttp or the
daemon. ``--log-level``/``--log-format`` are accepted before or after the subcommand; a wrong
command line exits 64 (sysexits' ``EX_USAGE``), never 2 (which means "invalid config").
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from watchdog import __version__
from watchdog.commands import COMMANDS
from watchdog.commands.common import EX_USAGE

__all__ = ["LOG_FORMATS", "LOG_LEVELS", "build_parser", "main"]

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("auto", "json", "logfmt", "console")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits with ``EX_USAGE`` (64) instead of 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: error: {message}\n")


def _add_log_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Below the top level the default is SUPPRESS, so a subcommand that is not given the flag
    # keeps what was given before it (argparse would otherwise overwrite it with a default).
    group = parser.add_argument_group("logging")
    group.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info" if top else argparse.SUPPRESS,
        help="the lowest level logged (default: info)" if top else argparse.SUPPRESS,
    )
    group.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="auto" if top else argparse.SUPPRESS,
        help=(
            "json lines, logfmt (Prometheus' format), or console; auto: console on a "
            "terminal, else json"
            if top
            else argparse.SUPPRESS
        ),
    )


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every parser below ``parser``, depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield child
                yield from _subparsers(child)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = _Parser(
        prog="monitor-watchdog",
        description="Watches the watchers: Vault, PKI, Prometheus, Alertmanager, log pipeline.",
        epilog="Exit codes: 2 invalid config, 64 wrong command line; "
        "each command documents the others.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_log_flags(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    for child in _subparsers(parser):
        _add_log_flags(child, top=False)
        child.set_defaults(command_prog=child.prog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from watchdog.gctuning import tune_garbage_collector
    from watchdog.logs import configure_logging

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
