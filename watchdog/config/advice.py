"""Valid but risky configurations, said out loud by ``check`` and at daemon start."""

from __future__ import annotations

from watchdog.config.model import LoadedConfig, split_listen

__all__ = ["config_warnings"]

_LOOPBACK = ("127.", "::1", "localhost")


def _exposed(config: LoadedConfig, listen: str) -> str | None:
    """Listening beyond loopback with neither TLS nor basic auth."""
    host, _ = split_listen(listen)
    if host.startswith(_LOOPBACK):
        return None
    web = config.web
    if web is not None and (web.tls or web.users):
        return None
    return (
        f"server.listen: {listen} is reachable beyond this host with neither TLS nor basic"
        " authentication: anyone who can reach it reads the status page, the alerts and"
        " /metrics (set server.web_config_file or --web.config.file)"
    )


def config_warnings(config: LoadedConfig, *, listen: str | None = None) -> list[str]:
    """Why this config could leave someone unwarned or exposed; empty when nothing stands out
    (``listen``: the address actually used, when the command line overrides the config)."""
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
    exposed = _exposed(config, listen or config.model.server.listen)
    if exposed:
        warnings.append(exposed)
    if alerting.heartbeat is None:
        warnings.append(
            "alerting.heartbeat: no dead man's switch: nobody notices if this daemon dies"
        )
    return warnings
