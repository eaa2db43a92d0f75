"""API-true fakes of components that cannot be installed here: Loki, Elasticsearch, Fluent Bit."""
