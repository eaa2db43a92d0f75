"""Config errors that name the file, line, key path and reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigError", "ConfigIssue", "KeyPath", "KeyedError", "format_path"]

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """Render a key path as ``targets[3].tls.ca_file``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<document>"


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one file."""

    file: Path
    line: int | None
    path: KeyPath
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {format_path(self.path)}: {self.message}"


class ConfigError(Exception):
    """A config (or rule file) that cannot be used; carries every issue found."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))

    @classmethod
    def single(
        cls, file: Path, message: str, line: int | None = None, path: KeyPath = ()
    ) -> ConfigError:
        """An error with one issue."""
        return cls([ConfigIssue(file, line, path, message)])


class KeyedError(ValueError):
    """A problem a section's validator finds with some of its keys (e.g. two that disagree).

    The issue points at the first of ``keys`` the user wrote (else the first), not at the
    section, so its line is the one to change; the message gives the values compared.
    """

    def __init__(self, message: str, *keys: str) -> None:
        super().__init__(message)
        self.keys = keys
