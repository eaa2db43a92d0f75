"""The ``vault-restore`` stage: the seed's "restore from the latest snapshot to a DR cluster,
verify secret access — readable within 5 minutes, recovered within 15".

See ``restore`` for the timeline. Never disruptive: it restores into a throw-away server or a
DR cluster, and refuses a DR cluster that is a configured production ``vault`` target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from watchdog.config.errors import KeyPath
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.drill.outcome import ChannelResult
from watchdog.drill.stage import DrillContext, DrillJob
from watchdog.drill.stages.vault_restore.production import same_address
from watchdog.drill.stages.vault_restore.reads import canary_path
from watchdog.drill.stages.vault_restore.restore import drill_vault_restore
from watchdog.drill.stages.vault_restore.settings import VaultRestoreSettings
from watchdog.drill.stages.vault_restore.snapshots import list_candidates, snapshot_source
from watchdog.durations import format_duration
from watchdog.probes.kinds.snapshot import SnapshotTarget
from watchdog.redact import redact_url

__all__ = ["STAGE", "VaultRestoreStage"]


class VaultRestoreStage:
    """Restore the newest intact snapshot into a drill server and read the canary."""

    name = "vault-restore"
    title = "Vault restore"
    unit = "restores"
    needs = "drill.vault_restore (snapshots or path, local or dr, token_file)"
    key = "vault_restore"
    settings: type[BaseModel] | None = VaultRestoreSettings

    def _settings(self, config: LoadedConfig) -> VaultRestoreSettings | None:
        return config.drill.settings(self.key, VaultRestoreSettings)

    def count(self, config: LoadedConfig) -> int:
        """One restore when configured."""
        return 1 if self._settings(config) is not None else 0

    def disruption(self, config: LoadedConfig) -> str | None:
        """None: production is never touched (a production DR target is refused)."""
        return None

    def plan(self, config: LoadedConfig) -> list[str]:
        """Which snapshot, into what, what is read, against which targets."""
        settings = self._settings(config)
        assert settings is not None
        source = snapshot_source(config, settings)
        try:
            found = list_candidates(source)
            newest = f"{len(found)} found, newest {found[0].path.name}" if found else "none found"
        except OSError as exc:
            newest = f"cannot be listed now: {exc}"
        if settings.local is not None:
            into = (
                f"a throw-away `{settings.local.binary} server` (raft in a temporary directory"
                f" under {settings.local.work_dir or 'the system temp dir'}, 127.0.0.1 only),"
                " stopped and removed afterwards"
            )
        else:
            assert settings.dr is not None
            into = f"the DR cluster {redact_url(settings.dr.url)} (its data is replaced)"
        unseal = (
            f"unseal with {len(settings.unseal_key_files)} key file(s)"
            if settings.unseal_key_files
            else "auto-unseal"
        )
        targets = settings.targets
        return [
            f"take the newest snapshot from {source.describe()} that passes the integrity"
            f" check ({newest}); up to {settings.attempts} snapshots, newest first",
            f"restore it into {into}; {unseal}",
            f"read {canary_path(settings.canary)}"
            + "".join(f", /v1/{c.path}" for c in settings.checks)
            + " with the token file",
            f"targets from the restore's start: accepted {format_duration(targets.accepted)},"
            f" unsealed {format_duration(targets.unsealed)}, readable"
            f" {format_duration(targets.readable)}; total {format_duration(targets.total)}",
        ]

    def cross_check(
        self, settings: Any, targets: Sequence[TargetSpec]
    ) -> list[tuple[KeyPath, str]]:
        """The snapshot target exists; the DR cluster is not a production ``vault`` target."""
        assert isinstance(settings, VaultRestoreSettings)
        problems: list[tuple[KeyPath, str]] = []
        if settings.snapshots is not None:
            jobs = [s.job for s in targets if isinstance(s.config, SnapshotTarget)]
            if settings.snapshots not in jobs:
                known = ", ".join(jobs) or "none configured"
                problems.append(
                    (
                        ("snapshots",),
                        f"no snapshot target with job {settings.snapshots!r}"
                        f" (snapshot targets: {known})",
                    )
                )
        if settings.path is not None and not settings.path.exists():
            problems.append((("path",), f"{settings.path} does not exist"))
        if settings.dr is not None:
            job = same_address(settings.dr.url, targets)
            if job is not None:
                problems.append(
                    (
                        ("dr", "url"),
                        f"is a node of the production vault target {job!r}: a restore would"
                        " overwrite production; refused",
                    )
                )
        return problems

    def jobs(self, ctx: DrillContext) -> list[DrillJob]:
        """The one restore."""
        settings = self._settings(ctx.config)
        assert settings is not None
        if settings.local is not None:
            target = f"throw-away {settings.local.binary} server"
        else:
            assert settings.dr is not None
            target = redact_url(settings.dr.url)
        result = ChannelResult("vault restore", "vault-restore", target)
        return [(result, drill_vault_restore(result, ctx.config, settings, ctx.session))]


STAGE = VaultRestoreStage()
