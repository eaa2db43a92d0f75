"""Valid but risky configurations, said out loud by ``check`` and at daemon start."""

from __future__ import annotations

from watchdog.config.model import LoadedConfig

__all__ = ["config_warnings"]


def config_warnings(config: LoadedConfig) -> list[str]:
    """Why this config could leave someone unwarned; empty when nothing stands out."""
    alerting = config.model.alerting
    warnings = []
    if not alerting.alertmanagers and not alerting.emergency:
        warnings.append(
            "alerting: no Alertmanager and no emergency receiver configured: "
            "alerts are only logged and journaled"
        )
    elif not alerting.emergency:
        warnings.append(
            "alerting.emergency: no emergency receiver: while every Alertmanager is down, "
            "alerts wait in the outbox instead of reaching anyone"
        )
    elif all(receiver.matchers for receiver in alerting.emergency):
        warnings.append(
            "alerting.emergency: every receiver has matchers: on the fallback path an alert"
            " none of them matches pages nobody (add a receiver without matchers to catch it)"
        )
    if not config.rule_paths:
        warnings.append("rule_files: none configured: targets are probed but nothing alerts")
    if alerting.heartbeat is None:
        warnings.append(
            "alerting.heartbeat: no dead man's switch: nobody notices if this daemon dies"
        )
    return warnings
