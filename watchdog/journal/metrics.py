"""Metrics of the event journal."""

from __future__ import annotations

from watchdog.metrics import MetricsRegistry

__all__ = ["JournalMetrics"]


class JournalMetrics:
    """Entries in the journal, entries that could not be written, and verification results."""

    def __init__(self, registry: MetricsRegistry) -> None:
        self.journal_entries = registry.gauge(
            "watchdog_journal_entries", "Entries in the event journal."
        )
        self.journal_write_errors = registry.counter(
            "watchdog_journal_write_errors_total", "Journal entries that could not be written."
        )
        self.journal_intact = registry.gauge(
            "watchdog_journal_intact",
            "1 while the journal verified intact; 0 once tampering was found or it could not be"
            " verified (a key missing).",
        )
        self.journal_verifications = registry.counter(
            "watchdog_journal_verifications_total",
            "Journal verifications (at start: the whole chain; then what was appended since)"
            " by outcome (intact, tampered, unverifiable).",
            "outcome",
        )
        self.journal_last_verification = registry.gauge(
            "watchdog_journal_last_verification_timestamp_seconds",
            "Unix time of the last journal verification.",
        )
        self.journal_verified_entries = registry.gauge(
            "watchdog_journal_verified_entries",
            "Entry count of the last anchor verified and made durable (what heartbeats ship).",
        )
