"""Metrics of the event journal."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["JournalMetrics"]


class JournalMetrics:
    """Entries in the journal and entries that could not be written."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.journal_entries = Gauge(
            "watchdog_journal_entries", "Entries in the event journal.", registry=registry
        )
        self.journal_write_errors = Counter(
            "watchdog_journal_write_errors_total",
            "Journal entries that could not be written.",
            registry=registry,
        )
