"""The hash-chained event journal: alert state changes and delivery attempts, tamper-evident."""

from watchdog.journal.anchor import ANCHOR_FILE, GENESIS, GENESIS_ANCHOR, Anchor, LocalAnchor
from watchdog.journal.chain import AlertTransitionHook, Journal
from watchdog.journal.entry import JournalEntry, canonical_json, entry_hash
from watchdog.journal.keys import NO_KEYS, JournalKey, JournalKeys
from watchdog.journal.render import render_entry
from watchdog.journal.verify import VerifyResult, verify_chain
from watchdog.journal.writer import JOURNAL_FILE, JournalWriter

__all__ = [
    "ANCHOR_FILE",
    "GENESIS",
    "GENESIS_ANCHOR",
    "JOURNAL_FILE",
    "NO_KEYS",
    "AlertTransitionHook",
    "Anchor",
    "Journal",
    "JournalEntry",
    "JournalKey",
    "JournalKeys",
    "JournalWriter",
    "LocalAnchor",
    "VerifyResult",
    "canonical_json",
    "entry_hash",
    "render_entry",
    "verify_chain",
]
