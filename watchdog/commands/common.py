"""What several subcommands share: loading the config and rule files, or saying why not."""

from __future__ import annotations

import sys
from pathlib import Path

from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.model import LoadedConfig
from watchdog.rules.files import load_rule_files
from watchdog.rules.model import RuleGroup

__all__ = ["load_or_explain"]


def load_or_explain(
    path: Path, *, rules: bool = True
) -> tuple[LoadedConfig, list[RuleGroup]] | None:
    """The config (and its rule groups); None after printing every issue as ``file:line``."""
    try:
        config = load_config(path)
        groups = load_rule_files(config.rule_paths) if rules else []
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"FAILED: {len(exc.issues)} problem(s) in {path}", file=sys.stderr)
        return None
    return config, groups
