"""Drill stages, one module (or subpackage) each with a ``STAGE``; ``STAGES`` runs in order.

Adding a stage means one module and one line here; the runner, the report, the journal, the
config loader (its ``drill.<key>`` settings) and the command find it through this tuple.
"""

from __future__ import annotations

from watchdog.drill.stage import DrillStage
from watchdog.drill.stages import alerting, ca_outage, log_failover, vault_restore

__all__ = ["STAGES"]

STAGES: tuple[DrillStage, ...] = (
    vault_restore.STAGE,
    log_failover.STAGE,
    ca_outage.STAGE,
    alerting.STAGE,
)
"""In the seed's order (``quarterly-dr-drill.sh``): Vault recovery, log pipeline failover,
certificates under a CA outage, then the alerting pipeline."""
