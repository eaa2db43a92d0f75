"""``monitor-watchdog check -c FILE``: validate a config and its rule files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand."""
    parser = sub.add_parser("check", help="validate a config file and its rule files")
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"FAILED: {len(exc.issues)} problem(s) in {args.config}", file=sys.stderr)
        return 1
    print(
        f"OK: {config.source}: {len(config.targets)} targets, {len(config.rule_paths)} rule files"
    )
    return 0
