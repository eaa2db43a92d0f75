"""Config: model, loading with file:line errors, secrets from files and environment.

``load_config`` lives in ``watchdog.config.load`` (it needs the probe registry, whose kinds in
turn import the field types defined here).
"""

from watchdog.config.errors import ConfigError, ConfigIssue
from watchdog.config.model import GlobalConfig, LoadedConfig, ServerConfig, WatchdogConfig
from watchdog.config.targets import TargetBase, TargetSpec

__all__ = [
    "ConfigError",
    "ConfigIssue",
    "GlobalConfig",
    "LoadedConfig",
    "ServerConfig",
    "TargetBase",
    "TargetSpec",
    "WatchdogConfig",
]
