"""A local stack for the demo and the tests: launchers for real components (Prometheus,
Alertmanager, OpenBao), a small PKI, and API-true fakes of Loki, Elasticsearch and Fluent Bit.

Not part of the product (not installed with it); nothing here imports pytest.
"""
