"""Moved to :mod:`devstack.fakes.logql` (shared with the demo); re-exported."""

from devstack.fakes.logql import LogQLError, Query, parse_query

__all__ = ["LogQLError", "Query", "parse_query"]
