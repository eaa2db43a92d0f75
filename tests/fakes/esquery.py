"""Moved to :mod:`devstack.fakes.esquery` (shared with the demo); re-exported."""

from devstack.fakes.esquery import QueryError, matches, validate

__all__ = ["QueryError", "matches", "validate"]
