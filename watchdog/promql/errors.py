"""The two errors the PromQL package raises."""

from __future__ import annotations

__all__ = ["PromQLError", "UnsupportedError"]


class PromQLError(Exception):
    """A query that cannot be parsed or evaluated; the message says what and where."""


class UnsupportedError(PromQLError):
    """A valid PromQL construct this evaluator refuses when the expression is parsed."""
