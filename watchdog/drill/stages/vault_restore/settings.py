"""Settings of the ``vault-restore`` stage (``drill.vault_restore``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from watchdog.config.tls import TLSConfig
from watchdog.config.types import ConfigPath, Duration, HttpUrl, Model
from watchdog.drill.settings import Binary, ReadableFile
from watchdog.probes.kinds.vault.hvac import CanaryCheck

__all__ = ["DrCluster", "LocalServer", "ReadCheck", "RestoreTargets", "VaultRestoreSettings"]


class LocalServer(Model):
    """A throw-away server the drill starts: raft storage in a temporary directory, listening
    on 127.0.0.1 only, stopped and removed at the end whatever happens."""

    binary: Binary = "bao"
    """``bao`` (OpenBao) or ``vault``: a path, or a name found on PATH."""
    work_dir: ConfigPath | None = None
    """Where the temporary directory is made (default: the system's, e.g. /tmp). It holds a
    copy of the restored data while the drill runs: put it on a disk with room for it."""
    seal_config: ReadableFile | None = None
    """A file with the production cluster's ``seal "…" {…}`` stanza (auto-unseal, e.g. awskms):
    the restored data is then unsealed by the same KMS, and no unseal keys are needed."""
    start_timeout: Duration = 60.0


class DrCluster(Model):
    """A standing DR cluster to restore into: never a production ``vault`` target."""

    url: HttpUrl
    tls: TLSConfig | None = None
    token_file: ReadableFile
    """A token of the DR cluster itself (before the restore), allowed to restore snapshots
    (``sys/storage/raft/snapshot-force``) and seal."""


class ReadCheck(Model):
    """An extra read after the canary, e.g. ``database/creds/readonly`` (dynamic secrets work)."""

    path: str = Field(min_length=1)

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or "//" in value or ".." in value.split("/"):
            raise ValueError(f"{value!r} must be an API path below /v1/, such as a/b/c")
        return value


class RestoreTargets(Model):
    """How fast each milestone must be reached, from the moment the restore starts (total:
    from the start of the stage, the server's start-up and the snapshot checks included)."""

    accepted: Duration = 300.0
    unsealed: Duration = 300.0
    readable: Duration = 300.0
    total: Duration = 900.0

    @model_validator(mode="after")
    def _positive(self) -> RestoreTargets:
        for name in ("accepted", "unsealed", "readable", "total"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        return self


class VaultRestoreSettings(Model):
    """Restore the newest intact snapshot into a drill Vault/OpenBao and read the canary."""

    snapshots: str | None = None
    """Job of the ``snapshot`` target whose directory (and pattern) to take snapshots from."""
    path: ConfigPath | None = None
    """Or a directory of snapshots (``pattern``), or one snapshot file."""
    pattern: str = "*.snap"
    attempts: int = Field(default=3, ge=1, le=20)
    """At most this many snapshots are tried, newest first (the seed: a corrupted snapshot →
    retry with the previous one)."""
    local: LocalServer | None = None
    dr: DrCluster | None = None
    unseal_key_files: list[ReadableFile] = Field(default_factory=list)
    """Unseal keys of the cluster the snapshot was taken from (as many as its threshold);
    empty with auto-unseal."""
    token_file: ReadableFile
    """A token that exists in the snapshot's data and may read the canary (and the checks),
    e.g. the ``vault`` target's own token."""
    canary: CanaryCheck = Field(default_factory=lambda: CanaryCheck(path="dr-test"))
    checks: list[ReadCheck] = Field(default_factory=list)
    targets: RestoreTargets = Field(default_factory=RestoreTargets)
    timeout: Duration = 30.0
    """Each request to the drill server at most this long."""

    @model_validator(mode="after")
    def _one_of(self) -> VaultRestoreSettings:
        if (self.snapshots is None) == (self.path is None):
            raise ValueError("set exactly one of snapshots (a snapshot target's job) or path")
        if (self.local is None) == (self.dr is None):
            raise ValueError("set exactly one of local (a throw-away server) or dr (a DR cluster)")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        return self

    @field_validator("pattern")
    @classmethod
    def _relative_pattern(cls, value: str) -> str:
        if not value or value.startswith("/") or ".." in Path(value).parts:
            raise ValueError("pattern must be a relative glob such as '*.snap', without '..'")
        return value
