"""The one metrics registry, and the metrics of the daemon as a whole.

Each subsystem owns a small class of its metrics beside its code (``probes.metrics``,
``rules.metrics``, ``notify.metrics``, ``journal.metrics``); the daemon creates each once,
registered in one ``MetricsRegistry`` per daemon (so tests can run several daemons in one
process), and hands every subsystem only its own. Names follow Prometheus conventions:
``watchdog_`` prefix, base units, ``_total`` for counters.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, ProcessCollector
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import Metric

from watchdog import __version__

__all__ = ["LATENCY_BUCKETS", "DaemonMetrics", "MetricsRegistry"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Buckets for request latencies (delivery attempts, Alertmanager sends)."""


_WITH_CREATED = frozenset({"counter", "histogram", "summary"})


class MetricsRegistry(CollectorRegistry):
    """Where every subsystem registers its metrics; ``/metrics`` exposes it.

    Without ``_created`` series: a counter's creation time doubles its series for nothing
    (Prometheus 2.42 does not use them). prometheus_client can only turn them off for the whole
    process, so this registry drops them from what it collects, leaving other registries be.
    """

    def __init__(self) -> None:
        super().__init__(auto_describe=True)
        # process_open_fds, process_max_fds, memory and CPU, as every Prometheus exporter has
        ProcessCollector(registry=self)

    def collect(self) -> Iterable[Metric]:
        """Every metric of the registry, without ``<name>_created`` samples."""
        for metric in super().collect():
            if metric.type in _WITH_CREATED:
                created = f"{metric.name}_created"
                metric.samples = [s for s in metric.samples if s.name != created]
            yield metric

    def exposition(self) -> bytes:
        """The registry in text exposition format."""
        return generate_latest(self)

    def gauge(self, name: str, documentation: str, *labels: str) -> Gauge:
        """A gauge registered here."""
        return Gauge(name, documentation, labels, registry=self)

    def counter(self, name: str, documentation: str, *labels: str) -> Counter:
        """A counter registered here (``name`` ends in ``_total``)."""
        return Counter(name, documentation, labels, registry=self)

    def histogram(
        self, name: str, documentation: str, buckets: Sequence[float], *labels: str
    ) -> Histogram:
        """A histogram registered here."""
        return Histogram(name, documentation, labels, buckets=buckets, registry=self)


class DaemonMetrics:
    """Build, start time, config loads and the sample store's size."""

    def __init__(self, registry: MetricsRegistry, series_count: Callable[[], float]) -> None:
        r = registry
        self.build_info = Info("watchdog_build", "Version of monitor-watchdog.", registry=r)
        self.build_info.info({"version": __version__, "python": platform.python_version()})
        self.start_time = r.gauge("watchdog_start_time_seconds", "Unix time the daemon started.")
        self.config_last_reload_successful = r.gauge(
            "watchdog_config_last_reload_successful",
            "Whether the last config (re)load succeeded (1) or was refused (0).",
        )
        self.config_last_reload_success_timestamp = r.gauge(
            "watchdog_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful config load.",
        )
        self.store_series = r.gauge("watchdog_store_series", "Series held in the sample store.")
        self.store_series.set_function(series_count)
