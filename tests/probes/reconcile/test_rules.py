"""Real reconcile probe output, evaluated by promtool with config/rules/logs-reconcile.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.probes.reconcile.conftest import Pipeline
from tests.support.components import REPO
from tests.support.promtool import input_series, run_promtool_tests
from watchdog.probes.runner import ProbeOutcome

RULES = REPO / "config" / "rules" / "logs-reconcile.yaml"
LABELS = {"job": "audit-reconcile", "instance": "bastion-1", "backend": "es", "stream": "audit"}


async def _history(pipeline: Pipeline, minutes: int) -> list[ProbeOutcome]:
    outcomes = []
    for _ in range(minutes):
        await pipeline.traffic(1)
        outcomes.append(await pipeline.run())
    return outcomes


def _promtool(tmp_path: Path, outcomes: list[ProbeOutcome], checks: list[dict[str, Any]]) -> None:
    test = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {"interval": "1m", "input_series": input_series(outcomes), "alert_rule_test": checks}
        ],
    }
    test_file = tmp_path / "reconcile_test.yaml"
    test_file.write_text(yaml.safe_dump(test, sort_keys=False))
    result = run_promtool_tests([test_file])
    assert result.returncode == 0, result.stdout + result.stderr


def _none(alert: str, *minutes: int) -> list[dict[str, Any]]:
    return [{"eval_time": f"{m}m", "alertname": alert, "exp_alerts": []} for m in minutes]


async def test_a_dropped_share_fires_missing_then_lost(pipeline: Pipeline, tmp_path: Path):
    """10 % lost in ES: AuditLogRecordsMissing after five short windows, AuditLogRecordsLost
    when the first window passes max_settle."""
    pipeline.to_es.drop_share = 0.1
    outcomes = await _history(pipeline, 21)  # runs 22:15 … 22:35; the first data window 22:14
    missing = {
        "eval_time": "10m",
        "alertname": "AuditLogRecordsMissing",
        "exp_alerts": [
            {
                "exp_labels": {**LABELS, "severity": "warning"},
                "exp_annotations": {
                    "summary": "es is missing audit records",
                    "description": "10% of the audit records in the primary are missing in es "
                    "(newest window past settle).",
                },
            }
        ],
    }
    lost = {
        "eval_time": "20m",
        "alertname": "AuditLogRecordsLost",
        "exp_alerts": [
            {
                "exp_labels": {**LABELS, "severity": "critical"},
                "exp_annotations": {
                    "summary": "audit records never reached es",
                    "description": "1 windows of audit were still incomplete in es when "
                    "max_settle passed; watchdog_reconcile_missing_records_total says how "
                    "many records.",
                },
            }
        ],
    }
    checks = [*_none("AuditLogRecordsMissing", 9), missing]
    _promtool(tmp_path, outcomes, [*checks, *_none("AuditLogRecordsLost", 19), lost])


async def test_a_backend_behind_within_settle_fires_nothing(pipeline: Pipeline, tmp_path: Path):
    """ES 150 s behind, settle 5 min: none of the completeness alerts fires."""
    pipeline.to_es.delay = 150
    outcomes = await _history(pipeline, 25)
    alerts = (
        "AuditLogRecordsMissing",
        "AuditLogCompletenessBehind",
        "AuditLogRecordsLost",
        "AuditLogWindowsUncompared",
        "AuditLogReconcileFailing",
        "AuditLogPrimaryBehindBackend",
    )
    _promtool(tmp_path, outcomes, [c for a in alerts for c in _none(a, 6, 12, 18, 24)])
