"""Subcommands. Each module exposes ``register(subparsers)`` that sets ``handler``."""

from __future__ import annotations

from types import ModuleType

from watchdog.commands import baseline, check, drill, journal, once, run, test_rules

__all__ = ["COMMANDS"]

COMMANDS: list[ModuleType] = [run, check, test_rules, baseline, journal, once, drill]
