"""What several subcommands share: exit codes, loading the config and rule files or saying why
not, and usage errors.

Exit codes every command keeps: **2** the config (or a rule file) is invalid, **64** the
command line is wrong (``EX_USAGE`` of sysexits(3)); 0, 1 and 3 mean what each command says.
The loaders are imported when called, so that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchdog.config.model import LoadedConfig
    from watchdog.rules.model import RuleGroup

__all__ = ["EX_CONFIG", "EX_USAGE", "add_web_config_flag", "load_or_explain", "usage_error"]

EX_CONFIG = 2
"""The config or a rule file is invalid: the daemon would refuse it."""
EX_USAGE = 64
"""The command line is wrong (sysexits' ``EX_USAGE``); argparse's own 2 is not used."""


def usage_error(args: argparse.Namespace, message: str) -> int:
    """Print ``PROG: error: MESSAGE`` as argparse does, and return ``EX_USAGE``."""
    prog = getattr(args, "command_prog", "monitor-watchdog")
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EX_USAGE


def add_web_config_flag(parser: argparse.ArgumentParser) -> None:
    """``--web.config.file``, as Prometheus and its exporters spell it."""
    parser.add_argument(
        "--web.config.file",
        dest="web_config_file",
        type=Path,
        default=None,
        help="TLS and basic auth for the HTTP server, exporter-toolkit format"
        " (overrides server.web_config_file)",
    )


def load_or_explain(
    path: Path, *, rules: bool = True, web_config_file: Path | None = None
) -> tuple[LoadedConfig, list[RuleGroup]] | None:
    """The config (and its rule groups); None after printing every issue as ``file:line``."""
    from watchdog.config.errors import ConfigError
    from watchdog.config.load import load_config
    from watchdog.rules.files import load_rule_files

    try:
        config = load_config(path, web_config_file=web_config_file)
        groups = load_rule_files(config.rule_paths) if rules else []
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"FAILED: {len(exc.issues)} problem(s) in {path}", file=sys.stderr)
        return None
    return config, groups
