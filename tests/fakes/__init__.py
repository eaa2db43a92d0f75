"""Tests of the API-true fakes in ``devstack.fakes`` (Loki, Elasticsearch, Fluent Bit)."""
