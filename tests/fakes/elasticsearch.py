"""Moved to :mod:`devstack.fakes.elasticsearch` (shared with the demo); re-exported."""

from devstack.fakes.elasticsearch import FakeElasticsearch

__all__ = ["FakeElasticsearch"]
