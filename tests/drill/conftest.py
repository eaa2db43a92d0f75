"""Drill tests run the command in-process like the command tests do."""

from tests.commands.conftest import cli

__all__ = ["cli"]
