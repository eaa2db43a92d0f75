"""The daemon's metrics registry: standard process metrics, no ``_created`` series."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.exposition import generate_latest

from watchdog.metrics import DaemonMetrics, MetricsRegistry
from watchdog.notify.metrics import DeliveryMetrics
from watchdog.probes.metrics import ProbeMetrics
from watchdog.rules.metrics import RuleMetrics


def _names(exposition: bytes) -> set[str]:
    lines = exposition.decode().splitlines()
    return {line.split("{")[0].split(" ")[0] for line in lines if not line.startswith("#")}


def test_no_created_series_in_the_daemons_exposition() -> None:
    """Counters and histograms of every subsystem are exported without ``_created`` series."""
    registry = MetricsRegistry()
    DaemonMetrics(registry, lambda: 0.0)
    probes = ProbeMetrics(registry)
    RuleMetrics(registry)
    DeliveryMetrics(registry)
    probes.probes.labels("web", "a:1", "http").inc()
    names = _names(registry.exposition())
    assert "watchdog_probes_total" in names
    assert "watchdog_scheduler_lag_seconds_bucket" in names
    assert not {name for name in names if name.endswith("_created")}
    assert {"process_resident_memory_bytes", "process_open_fds"} <= names


def test_other_registries_keep_their_created_series() -> None:
    """Only our registry drops them: prometheus_client's behaviour elsewhere is untouched."""
    other = CollectorRegistry()
    Counter("other_total", "d", registry=other).inc()
    assert "other_created" in _names(generate_latest(other))
