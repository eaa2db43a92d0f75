"""Silences for the fallback path: mirrored from Alertmanager, or local (CLI and API)."""

from watchdog.notify.silences.model import (
    LOCAL,
    Silence,
    SilenceError,
    SilenceNotFoundError,
    parse_time,
)
from watchdog.notify.silences.store import SilenceFileError, SilenceStore, Snapshot

__all__ = [
    "LOCAL",
    "Silence",
    "SilenceError",
    "SilenceFileError",
    "SilenceNotFoundError",
    "SilenceStore",
    "Snapshot",
    "parse_time",
]
