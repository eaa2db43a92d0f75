"""The top-level config model (everything but the per-kind target fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from watchdog.config.alerting import AlertingConfig
from watchdog.config.errors import KeyedError
from watchdog.config.journal import JournalConfig
from watchdog.config.statedir import default_state_dir
from watchdog.config.targets import TargetSpec
from watchdog.config.types import ByteSize, ConfigPath, Duration, HttpUrl, LabelName, Model
from watchdog.drill.settings import DrillConfig
from watchdog.durations import format_duration

if TYPE_CHECKING:
    from watchdog.webconfig.load import LoadedWebConfig

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
        for name in ("interval", "evaluation_interval", "query_timeout"):
            if getattr(self, name) <= 0:
                raise KeyedError(f"{name} must be positive", name)
        if self.timeout <= 0:
            raise KeyedError("timeout must be positive", "timeout")
        if self.timeout > self.interval:
            raise KeyedError(
                f"timeout {format_duration(self.timeout)} is longer than interval "
                f"{format_duration(self.interval)}",
                "timeout",
                "interval",
            )
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
    web_config_file: ConfigPath | None = None
    """TLS and basic auth in the exporter-toolkit format (``--web.config.file`` wins)."""
    unauthenticated_paths: list[str] = Field(default_factory=lambda: ["/-/healthy"])
    """Paths served without basic authentication when the web config has users."""

    @field_validator("unauthenticated_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"{path!r} is not a path (it must start with /)")
        return value

    @model_validator(mode="after")
    def _timeouts(self) -> ServerConfig:
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            if getattr(self, name) <= 0:
                raise KeyedError(f"{name} must be positive", name)
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
    web: LoadedWebConfig | None = None
    """The web config in force (TLS, basic auth), if any."""
    web_config_flag: Path | None = None
    """``--web.config.file`` as given on the command line (kept for reloads)."""

    @property
    def global_(self) -> GlobalConfig:
        """The ``global`` section."""
        return self.model.global_

    @property
    def external_labels(self) -> dict[str, str]:
        """Labels added to every alert leaving the daemon."""
        return dict(self.model.global_.external_labels)
