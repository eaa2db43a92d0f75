"""What the authenticated Vault checks are given and what they find (run by ``vault.hvac``).

Kept apart from the hvac code so that the config loader, which needs ``CanaryCheck``, does not
import hvac and requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, field_validator

from watchdog.config.types import Model
from watchdog.samples import Sample

__all__ = ["AuthFindings", "AuthRequest", "CanaryCheck"]


class CanaryCheck(Model):
    """A secret that must stay readable (the seed's ``vault kv get secret/dr-test``)."""

    path: str = Field(min_length=1)
    mount: str = Field(default="secret", min_length=1)
    kv_version: Literal[1, 2] = 2

    @field_validator("path", "mount")
    @classmethod
    def _no_outer_slashes(cls, value: str) -> str:
        if value.startswith("/") or value.endswith("/") or "//" in value:
            raise ValueError(f"{value!r} must not start or end with '/' or contain '//'")
        return value


@dataclass(frozen=True)
class AuthRequest:
    """Everything one round of authenticated checks needs (no config objects: thread-safe)."""

    url: str
    token: str
    verify: bool | str
    cert: tuple[str, str] | None
    headers: Mapping[str, str]
    deadline: float
    """``time.monotonic()`` by which every request must have ended."""
    body_limit: int
    check_token: bool
    canary: CanaryCheck | None
    raft: bool


@dataclass
class AuthFindings:
    """Series, problems (each one a failure reason) and facts from the checks."""

    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
