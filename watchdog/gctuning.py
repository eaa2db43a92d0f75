"""Garbage-collector thresholds suited to a daemon that holds many small, long-lived objects.

Rule evaluation allocates many short-lived containers (label dicts, sample tuples) while the
sample store keeps tens of thousands of long-lived ones. With CPython's default thresholds
(700, 10, 10) the young-generation collector runs tens of thousands of times per evaluation
round and repeatedly rescans the store, which costs about a quarter of a 500-rule round
(`bench/rules_eval.py`). Larger thresholds keep cycle collection but run it far less often;
the daemon's allocations are not cyclic in the hot paths, so memory does not grow from this.
"""

from __future__ import annotations

import gc

__all__ = ["DAEMON_GC_THRESHOLDS", "tune_garbage_collector"]

# gen0 allocations before a young collection; young collections per gen1; gen1 per full one.
DAEMON_GC_THRESHOLDS = (50_000, 20, 10)


def tune_garbage_collector() -> None:
    """Apply the daemon's thresholds (idempotent; never disables the collector)."""
    gc.set_threshold(*DAEMON_GC_THRESHOLDS)
