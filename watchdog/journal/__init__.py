"""The hash-chained event journal: alert state changes and delivery attempts, tamper-evident."""

from watchdog.journal.chain import (
    GENESIS,
    AlertTransitionHook,
    Journal,
    JournalEntry,
    VerifyResult,
    canonical_json,
    entry_hash,
)
from watchdog.journal.render import render_entry
from watchdog.journal.writer import JOURNAL_FILE, JournalWriter

__all__ = [
    "GENESIS",
    "JOURNAL_FILE",
    "AlertTransitionHook",
    "Journal",
    "JournalEntry",
    "JournalWriter",
    "VerifyResult",
    "canonical_json",
    "entry_hash",
    "render_entry",
]
