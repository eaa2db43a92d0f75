"""Reload planning: validate the new config and every rule file completely, say what changed.

``plan_reload`` is pure with respect to the running daemon: nothing running is touched until
the whole new configuration has loaded, so a config or rule file error leaves the old one in
force. ``Daemon.reload`` applies the plan. Unchanged targets keep their schedule and state (the
scheduler compares fingerprints, secrets included); unchanged rules keep their ``for`` state;
delivery is rebuilt only when its settings changed (the durable outbox carries anything
unsent across the swap). ``state_dir``, ``journal`` and the ``server`` settings other than
``external_url`` take effect after a restart (a reload says so in its log line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, SecretStr

from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.rules.files import load_rule_files
from watchdog.rules.model import RuleGroup

__all__ = ["ReloadPlan", "ReloadResult", "plan_reload", "secret_aware_dump"]

_SERVER_RESTART_KEYS = (
    "enable_lifecycle",
    "max_connections",
    "reserved_fds",
    "header_timeout",
    "body_timeout",
    "idle_timeout",
    "max_body_size",
)
"""``server`` settings the listener took at start (``listen`` is checked on its own)."""


def secret_aware_dump(model: BaseModel | dict[str, Any]) -> str:
    """A canonical JSON dump in which secrets take part (so a rotated token counts as a
    change); only ever compared, never shown."""

    def reveal(value: object) -> object:
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)

    data = model.model_dump() if isinstance(model, BaseModel) else model
    return json.dumps(data, default=reveal, sort_keys=True)


@dataclass(frozen=True)
class ReloadPlan:
    """A fully validated new configuration and what differs from the running one."""

    config: LoadedConfig
    groups: list[RuleGroup]
    added: list[str]
    removed: list[str]
    changed: list[str]
    delivery_changed: bool
    restart_needed: list[str]


@dataclass
class ReloadResult:
    """What a reload did, for the log line, the HTTP answer and the metrics."""

    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def _by_key(specs: list[TargetSpec]) -> dict[str, str]:
    return {spec.key: spec.fingerprint for spec in specs}


def _delivery_settings(config: LoadedConfig) -> str:
    return secret_aware_dump(
        {
            "alerting": config.model.alerting.model_dump(),
            "external_labels": config.external_labels,
            "external_url": config.model.server.external_url,
            "evaluation_interval": config.global_.evaluation_interval,
        }
    )


def refuse_unprotecting(current: LoadedConfig, new: LoadedConfig) -> None:
    """A reload may add TLS or basic auth, never take them away: a web config emptied or
    cut short by mistake must not expose the daemon. Removing them takes a restart."""
    old_web, new_web = current.web, new.web
    if old_web is None:
        return
    lost = []
    if old_web.tls and (new_web is None or not new_web.tls):
        lost.append("TLS")
    if old_web.users and (new_web is None or not new_web.users):
        lost.append("basic authentication")
    if lost:
        raise ConfigError.single(
            old_web.source,
            f"the reloaded web config turns off {' and '.join(lost)}; a reload never lowers"
            " the protection in force (restart the daemon to do that on purpose)",
        )


def plan_reload(current: LoadedConfig) -> ReloadPlan:
    """Load the config file again (and its rule files); raise ``ConfigError`` if unusable."""
    new = load_config(current.source, web_config_file=current.web_config_flag)
    refuse_unprotecting(current, new)
    groups = load_rule_files(new.rule_paths)
    old_targets, new_targets = _by_key(current.targets), _by_key(new.targets)
    restart = []
    if new.model.server.listen != current.model.server.listen:
        restart.append("server.listen")
    if new.model.state_dir != current.model.state_dir:
        restart.append("state_dir")
    if secret_aware_dump(new.model.journal) != secret_aware_dump(current.model.journal):
        restart.append("journal")  # the key seals entries from the moment the journal opens
    for key in _SERVER_RESTART_KEYS:
        if getattr(new.model.server, key) != getattr(current.model.server, key):
            restart.append(f"server.{key}")
    return ReloadPlan(
        config=new,
        groups=groups,
        added=sorted(set(new_targets) - set(old_targets)),
        removed=sorted(set(old_targets) - set(new_targets)),
        changed=sorted(
            k for k in set(old_targets) & set(new_targets) if old_targets[k] != new_targets[k]
        ),
        delivery_changed=_delivery_settings(current) != _delivery_settings(new),
        restart_needed=restart,
    )
