"""What several subcommands share: loading the config and rule files, or saying why not."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.model import LoadedConfig
from watchdog.rules.files import load_rule_files
from watchdog.rules.model import RuleGroup

__all__ = ["add_web_config_flag", "load_or_explain"]


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
    try:
        config = load_config(path, web_config_file=web_config_file)
        groups = load_rule_files(config.rule_paths) if rules else []
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"FAILED: {len(exc.issues)} problem(s) in {path}", file=sys.stderr)
        return None
    return config, groups
