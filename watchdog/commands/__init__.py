"""Subcommands. Each module exposes ``register(subparsers)`` that sets ``handler``."""

from __future__ import annotations

from types import ModuleType

from watchdog.commands import baseline, check, drill, journal, once, rule_tests, run, silence

__all__ = ["COMMANDS"]

COMMANDS: list[ModuleType] = [run, check, rule_tests, baseline, journal, silence, once, drill]
