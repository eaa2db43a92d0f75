"""The daemon's side of the lint: the findings ``check`` prints, logged and counted at start
and after every reload, so a config that ``check`` warns about does not start silently."""

from __future__ import annotations

from watchdog.config.model import LoadedConfig
from watchdog.logs import get_logger
from watchdog.rules.lint import Finding, lint_config
from watchdog.rules.metrics import RuleMetrics
from watchdog.rules.model import RuleGroup

__all__ = ["log_lint_findings"]


def log_lint_findings(
    config: LoadedConfig, groups: list[RuleGroup], metrics: RuleMetrics
) -> list[Finding]:
    """Lint the running config; one warning line per finding, ``check``'s text in ``finding``."""
    findings = lint_config(config, groups)
    log = get_logger("lint")
    for finding in findings:
        log.warning("lint finding", severity=finding.severity, finding=str(finding))
    for severity in ("error", "warning"):
        count = sum(finding.severity == severity for finding in findings)
        metrics.lint_findings.labels(severity).set(count)
    return findings
