"""The ``drill:`` config section: where reports go, and one sub-section per configured stage.

Each stage declares its own settings model (``DrillStage.settings``); the loader validates each
sub-section with it (``watchdog.drill.configure``), so adding a stage adds no line here. This
module holds what several stages share: a command to run, a file the drill reads only while
it runs, a binary to start.

Secrets the drill needs (unseal keys, tokens valid in a restored snapshot) are **not read when
the config is loaded**: the loader only checks that the file exists and is readable, so the
daemon, which loads the same config, never holds them. The drill reads them while it runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, field_validator

from watchdog.config.types import ConfigPath, Duration, Model
from watchdog.redact import register_secret

__all__ = [
    "Binary",
    "CommandConfig",
    "DrillConfig",
    "ReadableFile",
    "read_secret_file",
    "resolve_binary",
]

SettingsT = TypeVar("SettingsT", bound=BaseModel)


def _readable(path: Path) -> Path:
    if not path.exists():
        raise ValueError(f"file {path} does not exist")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"file {path} is not readable by this user")
    return path


ReadableFile = Annotated[ConfigPath, AfterValidator(_readable)]
"""A file the drill reads when it runs (a key, a token): checked at load, read only then."""


def resolve_binary(name: str) -> str:
    """The path of ``name`` (a path, or a name looked up on PATH); ValueError says why not."""
    if "/" in name:
        path = Path(name).expanduser()
        if not path.is_file():
            raise ValueError(f"binary {name} does not exist")
        if not os.access(path, os.X_OK):
            raise ValueError(f"binary {name} is not executable by this user")
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise ValueError(f"binary {name!r} is not on PATH ({os.environ.get('PATH', '')})")
    return found


def _binary(value: str) -> str:
    resolve_binary(value)
    return value


Binary = Annotated[str, Field(min_length=1), AfterValidator(_binary)]
"""A program to start: a path, or a name found on PATH (checked at load and again at run)."""


def read_secret_file(path: Path) -> str:
    """The stripped content of a key or token file, registered so it is never printed."""
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError(f"{path} is empty")
    register_secret(text)
    return text


class CommandConfig(Model):
    """A command the drill runs (no shell: an argv list), bounded by ``timeout``.

    It runs in the config file's directory, in a session of its own (a Ctrl-C at the terminal
    does not reach it), with the drill's environment. Its output is kept, trimmed, in the
    report.
    """

    command: list[str] = Field(min_length=1)
    timeout: Duration = 120.0

    @field_validator("command")
    @classmethod
    def _program(cls, value: list[str]) -> list[str]:
        if not value[0]:
            raise ValueError("the program (first element) must not be empty")
        try:
            resolve_binary(value[0])
        except ValueError as exc:
            raise ValueError(f"cannot run it: {exc}") from None
        return value

    @field_validator("timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("timeout must be positive")
        return value


@dataclass(frozen=True)
class DrillConfig:
    """The validated ``drill:`` section: the report directory and each stage's settings."""

    report_dir: Path | None = None
    """Where reports go (default ``state_dir/drills``); the daemon reads the latest from here."""
    stages: Mapping[str, BaseModel] = field(default_factory=dict)
    """Settings by stage config key (``vault_restore``)."""

    def settings(self, key: str, model: type[SettingsT]) -> SettingsT | None:
        """The settings of the stage configured under ``key``, if any."""
        found: Any = self.stages.get(key)
        return found if isinstance(found, model) else None

    def reports(self, state_dir: Path) -> Path:
        """The report directory."""
        return self.report_dir or state_dir / "drills"
