"""The top-level config model (everything but the per-kind target fields)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from watchdog.config.alerting import AlertingConfig
from watchdog.config.journal import JournalConfig
from watchdog.config.targets import TargetSpec
from watchdog.config.types import ByteSize, ConfigPath, Duration, HttpUrl, LabelName, Model
from watchdog.drill.settings import DrillConfig

__all__ = [
    "DEFAULT_LISTEN",
    "GlobalConfig",
    "LoadedConfig",
    "ServerConfig",
    "WatchdogConfig",
    "default_state_dir",
    "split_listen",
]

DEFAULT_LISTEN = "127.0.0.1:9911"


def default_state_dir() -> str:
    """systemd's ``$STATE_DIRECTORY`` when set, else the FHS location."""
    return os.environ.get("STATE_DIRECTORY", "/var/lib/monitor-watchdog").split(":")[0]


def split_listen(listen: str) -> tuple[str, int]:
    """Split ``host:port`` (``[v6]:port`` allowed) and check the port."""
    host, sep, port_text = listen.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"listen address {listen!r} must be host:port")
    port = int(port_text)
    if not 0 < port < 65536:
        raise ValueError(f"port {port} out of range 1-65535")
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - an empty host means all interfaces
    return host, port


class GlobalConfig(Model):
    """Defaults for every target and rule group."""

    interval: Duration = 15.0
    evaluation_interval: Duration = 15.0
    timeout: Duration = 5.0
    external_labels: dict[LabelName, str] = Field(default_factory=dict)
    series_limit: int = Field(default=20_000, ge=1)
    body_size_limit: ByteSize = Field(default=16 * 1024 * 1024, ge=1024)
    query_timeout: Duration = 10.0
    """Deadline of one rule query (Prometheus' ``--query.timeout``)."""
    query_max_samples: int = Field(default=10_000_000, ge=1)
    """Samples one rule query may touch in total (like ``--query.max-samples``)."""

    @model_validator(mode="after")
    def _check(self) -> GlobalConfig:
        for name in ("interval", "evaluation_interval"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.query_timeout <= 0:
            raise ValueError("query_timeout must be positive")
        if not 0 < self.timeout <= self.interval:
            raise ValueError("timeout must be positive and not longer than interval")
        return self


class ServerConfig(Model):
    """The daemon's own HTTP server, and how it defends itself against hostile clients."""

    listen: str = DEFAULT_LISTEN
    external_url: HttpUrl | None = None
    enable_lifecycle: bool = False
    max_connections: int = Field(default=512, ge=1)
    reserved_fds: int = Field(default=256, ge=16)
    header_timeout: Duration = 10.0
    body_timeout: Duration = 10.0
    idle_timeout: Duration = 75.0
    max_body_size: ByteSize = Field(default=1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _timeouts(self) -> ServerConfig:
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        return self

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        split_listen(value)
        return value


class WatchdogConfig(Model):
    """The whole config file. ``targets`` is filled by the loader, kind by kind."""

    global_: GlobalConfig = Field(default_factory=GlobalConfig, alias="global")
    server: ServerConfig = Field(default_factory=ServerConfig)
    state_dir: ConfigPath = Field(default_factory=lambda: Path(default_state_dir()))
    targets: list[Any] = Field(default_factory=list)
    rule_files: list[str] = Field(default_factory=list)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    journal: JournalConfig = Field(default_factory=JournalConfig)
    drill: dict[str, Any] = Field(default_factory=dict)
    """Filled by the loader, stage by stage (``LoadedConfig.drill``)."""


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with defaults resolved and files located."""

    source: Path
    model: WatchdogConfig
    targets: list[TargetSpec]
    rule_paths: list[Path]
    drill: DrillConfig = field(default_factory=DrillConfig)

    @property
    def global_(self) -> GlobalConfig:
        """The ``global`` section."""
        return self.model.global_

    @property
    def external_labels(self) -> dict[str, str]:
        """Labels added to every alert leaving the daemon."""
        return dict(self.model.global_.external_labels)
