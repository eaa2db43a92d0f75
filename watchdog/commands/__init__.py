"""Subcommands. Each module exposes ``register(subparsers)`` that sets ``handler``."""

from __future__ import annotations

from types import ModuleType

from watchdog.commands import check, journal, run

__all__ = ["COMMANDS"]

COMMANDS: list[ModuleType] = [run, check, journal]
