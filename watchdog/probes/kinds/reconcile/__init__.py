"""``reconcile``: count the real records of closed time windows in every log backend and compare
them with the primary — is every audit record everywhere, and how far behind is completeness?

See ``docs/probes-logs.md`` for the design (windows, settle, max_settle, catch-up, retention,
the content check) and ``state`` for the exact semantics.
"""

from __future__ import annotations

from watchdog.probes.base import ProbeKind
from watchdog.probes.kinds.reconcile.config import ReconcileTarget
from watchdog.probes.kinds.reconcile.probe import probe_reconcile
from watchdog.probes.kinds.reconcile.report import SERIES

__all__ = ["KIND", "ReconcileTarget"]

KIND = ProbeKind(
    name="reconcile",
    config=ReconcileTarget,
    run=probe_reconcile,
    produces=SERIES,
    summary="Log completeness: per-window record counts in every backend against the primary",
)
