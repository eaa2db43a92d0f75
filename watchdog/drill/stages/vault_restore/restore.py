"""One vault-restore drill: newest intact snapshot → drill server → unsealed → canary readable.

Timeline (``t0`` is when the restore request starts; "total" counts from the stage's start,
so a throw-away server's start-up and the integrity checks are in it):

1. read the token and unseal key files (only now: the daemon never reads them);
2. for a DR cluster, refuse it if it turns out to be production (``production``);
3. newest snapshot first: the ``snapshot`` probe's integrity check; a bad one is recorded and
   the previous one is tried (at most ``attempts``);
4. for a throw-away server: start it, initialise and unseal it with its own key;
5. ``snapshot-force`` (measured: accepted); the data now needs the source cluster's keys, so
   the server is restarted (throw-away) or sealed (DR cluster) and unsealed with the key files
   — or by its auto-unseal (measured: unsealed); a rejected restore or a server that does not
   come up unsealed is recorded and the previous snapshot is tried;
6. read the canary (measured: readable) and the extra checks, revoking any lease they made;
7. the throw-away server is stopped and its directory removed, whatever happened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp

from watchdog.config.httpclient import ssl_context_for
from watchdog.config.model import LoadedConfig
from watchdog.drill.interrupt import uninterrupted
from watchdog.drill.outcome import PASSED, ChannelResult, Step, seconds
from watchdog.drill.settings import read_secret_file
from watchdog.drill.stages.vault_restore.api import ApiError, VaultApi
from watchdog.drill.stages.vault_restore.production import production_nodes, same_cluster
from watchdog.drill.stages.vault_restore.reads import read_canary, read_checks
from watchdog.drill.stages.vault_restore.server import ServerError, ThrowawayServer
from watchdog.drill.stages.vault_restore.settings import VaultRestoreSettings
from watchdog.drill.stages.vault_restore.snapshots import (
    Candidate,
    list_candidates,
    snapshot_source,
    verify,
)
from watchdog.durations import format_duration

__all__ = ["drill_vault_restore"]

_SEALED, _ACTIVE, _UNINITIALISED = 503, 200, 501


@dataclass
class _Run:
    """One stage's shared state: settings, where results go, the clock and the secrets."""

    settings: VaultRestoreSettings
    result: ChannelResult
    session: aiohttp.ClientSession
    started: float
    token: str = ""
    keys: tuple[str, ...] = ()

    @property
    def deadline(self) -> float:
        """When the total target runs out (``time.monotonic()``)."""
        return self.started + self.settings.targets.total

    def left(self) -> float:
        """Seconds until the deadline (at least a little, so a last request can be made)."""
        return max(0.5, self.deadline - time.monotonic())

    def measure(self, name: str, since: float, target: float, detail: str) -> Step:
        """A step measured from ``since`` against ``target``."""
        took = time.monotonic() - since
        met = "within" if took <= target else "OVER"
        text = (
            f"{detail} {seconds(took)} after the restore started ({met} {format_duration(target)})"
        )
        return self.result.add(Step(name, took <= target, took, text, target=target))


async def drill_vault_restore(
    result: ChannelResult,
    config: LoadedConfig,
    settings: VaultRestoreSettings,
    session: aiohttp.ClientSession,
) -> None:
    """The whole stage, recorded in ``result``."""
    run = _Run(settings, result, session, time.monotonic())
    try:
        run.token = read_secret_file(settings.token_file)
        run.keys = tuple(read_secret_file(path) for path in settings.unseal_key_files)
    except (OSError, ValueError) as exc:
        result.add(Step("read key files", False, None, f"cannot read: {exc}"))
        return
    if settings.dr is not None and not await _not_production(run, config):
        return
    try:
        candidates = list_candidates(snapshot_source(config, settings))
    except (OSError, ValueError) as exc:
        result.add(Step("snapshots", False, None, f"cannot list the snapshots: {exc}"))
        return
    if not candidates:
        result.add(Step("snapshots", False, None, "no snapshot to restore"))
        return
    for candidate in candidates[: settings.attempts]:
        if not await _intact(run, candidate):
            continue
        if await _attempt(run, candidate):
            break
    else:
        tried = min(len(candidates), settings.attempts)
        result.add(Step("restore", False, None, f"no snapshot could be restored ({tried} tried)"))
        return
    total = settings.targets.total
    took = time.monotonic() - run.started
    result.latency = took
    result.add(
        Step("total", took <= total, took, f"{seconds(took)} from the stage's start", target=total)
    )
    if result.passed:
        result.outcome = PASSED


async def _not_production(run: _Run, config: LoadedConfig) -> bool:
    dr = run.settings.dr
    assert dr is not None
    production = [
        VaultApi(run.session, url, timeout=run.settings.timeout)
        for url in production_nodes(config.targets)
    ]
    why = await same_cluster(_dr_api(run), dr.url, config.targets, production)
    if why is not None:
        detail = f"refused: the DR cluster is production ({why}); a restore would overwrite it"
        run.result.add(Step("not production", False, None, detail))
        return False
    run.result.add(Step("not production", True, None, "DR cluster is not a production node"))
    return True


def _dr_api(run: _Run) -> VaultApi:
    dr = run.settings.dr
    assert dr is not None
    return VaultApi(
        run.session,
        dr.url,
        timeout=run.settings.timeout,
        ssl_context=ssl_context_for(dr.url, dr.tls),
        server_hostname=dr.tls.server_name if dr.tls else None,
    )


async def _intact(run: _Run, candidate: Candidate) -> bool:
    verdict = await verify(candidate)
    name = f"integrity {candidate.path.name}"
    age = format_duration(float(int(max(0.0, time.time() - candidate.mtime))))
    if not verdict.ok:
        detail = f"{verdict.reason}; trying the previous snapshot (investigate storage)"
        run.result.add(Step(name, False, None, detail, required=False))
        return False
    detail = f"intact ({candidate.size} bytes, raft index {verdict.index}, {age} old)"
    run.result.add(Step(name, True, None, detail))
    return True


async def _attempt(run: _Run, candidate: Candidate) -> bool:
    """Restore ``candidate``; False when the previous snapshot should be tried."""
    local = run.settings.local
    if local is None:
        return await _restore(run, candidate, _dr_api(run), None, _dr_token(run))
    try:
        server = ThrowawayServer(local)
    except (OSError, ServerError) as exc:
        run.result.add(Step("throw-away server", False, None, f"cannot prepare it: {exc}"))
        return True
    try:
        api = VaultApi(run.session, server.url, timeout=run.settings.timeout)
        root = await _prepare(run, server, api)
        if root is None:
            return True
        return await _restore(run, candidate, api, server, root)
    finally:
        detail = await uninterrupted(server.remove())
        run.result.add(Step("clean-up", "NOT" not in detail, None, detail))


def _dr_token(run: _Run) -> str:
    dr = run.settings.dr
    assert dr is not None
    return read_secret_file(dr.token_file)


async def _prepare(run: _Run, server: ThrowawayServer, api: VaultApi) -> str | None:
    """Start, initialise and unseal a fresh server; its root token (None: it failed)."""
    begun = time.monotonic()
    auto = run.settings.local is not None and run.settings.local.seal_config is not None
    try:
        await server.start()
        assert run.settings.local is not None
        until = min(run.deadline, begun + run.settings.local.start_timeout)
        last = await api.wait_health(_UNINITIALISED, until)
        if last:
            raise ServerError(server.exited() or f"not answering: {last}")
        keys, root = await api.initialize(auto_unseal=auto)
        if not auto:
            await api.unseal(keys)
        last = await api.wait_health(_ACTIVE, until)
        if last:
            raise ServerError(f"fresh server not active: {last}")
    except (ServerError, ApiError, OSError, ValueError) as exc:
        detail = (
            f"{exc}; log: {server.log_tail()}" if not isinstance(exc, ServerError) else str(exc)
        )
        run.result.add(Step("throw-away server", False, None, detail))
        return None
    took = time.monotonic() - begun
    run.result.add(Step("throw-away server", True, took, f"{server.url} ready in {seconds(took)}"))
    return root


async def _restore(
    run: _Run, candidate: Candidate, api: VaultApi, server: ThrowawayServer | None, token: str
) -> bool:
    targets = run.settings.targets
    t0 = time.monotonic()
    try:
        await api.restore(candidate.path, token, run.left())
    except ApiError as exc:
        detail = f"{candidate.path.name} rejected: {exc}; trying the previous snapshot"
        run.result.add(Step("restore accepted", False, None, detail, required=False))
        return False
    run.measure("restore accepted", t0, targets.accepted, f"{candidate.path.name} accepted")
    problem = await _unseal(run, api, server, token)
    if problem is not None:
        detail = f"{problem}; trying the previous snapshot"
        run.result.add(Step("unsealed", False, None, detail, required=False))
        return False
    run.measure("unsealed", t0, targets.unsealed, "active and unsealed")
    canary = run.settings.canary
    last = await read_canary(api, canary, run.token, run.deadline)
    if last:
        run.result.add(Step("canary readable", False, None, last, target=targets.readable))
        return True
    where = f"{canary.mount}/{canary.path} (KV v{canary.kv_version})"
    run.measure("canary readable", t0, targets.readable, f"{where} read")
    for step in await read_checks(api, run.settings.checks, run.token):
        run.result.add(step)
    return True


async def _unseal(
    run: _Run, api: VaultApi, server: ThrowawayServer | None, token: str
) -> str | None:
    """Bring the restored data up unsealed; None, or why it did not come up."""
    try:
        if server is not None:
            await server.restart()  # the restored keyring is the source's: start over sealed
            last = await api.wait_health(_SEALED if run.keys else _ACTIVE, run.deadline)
            if last:
                return server.exited() or f"after the restart: {last}"
        elif run.keys:
            await api.seal(token)
        if run.keys:
            await api.unseal(list(run.keys))
    except (ApiError, OSError) as exc:
        return str(exc)
    last = await api.wait_health(_ACTIVE, run.deadline)
    return f"not active: {last}" if last else None
