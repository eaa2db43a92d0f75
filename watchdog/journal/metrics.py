"""Metrics of the event journal."""

from __future__ import annotations

from watchdog.metrics import MetricsRegistry

__all__ = ["JournalMetrics"]


class JournalMetrics:
    """Entries in the journal and entries that could not be written."""

    def __init__(self, registry: MetricsRegistry) -> None:
        self.journal_entries = registry.gauge(
            "watchdog_journal_entries", "Entries in the event journal."
        )
        self.journal_write_errors = registry.counter(
            "watchdog_journal_write_errors_total", "Journal entries that could not be written."
        )
