"""Mirror every Alertmanager replica's silences into ``state_dir`` while it answers.

Every ``mirror_interval`` each replica is asked ``GET /api/v2/silences`` (with its own auth
and TLS settings); an answer replaces that replica's mirrored silences on disk (expired ones
left out). A replica that does not answer keeps what it last said, so the silences the team
set in Alertmanager still apply on the fallback path when every replica is gone — also after
the daemon restarts. Replicas of one cluster gossip the same silences: the newest version of
each id wins.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import aiohttp

from watchdog.clock import Clock
from watchdog.config.alerting import AlertmanagerConfig
from watchdog.notify.failurelog import FailureLog
from watchdog.notify.metrics import SilenceMetrics
from watchdog.notify.silences.model import Silence, SilenceError
from watchdog.notify.silences.store import SilenceFileError, SilenceStore
from watchdog.redact import redact_url

__all__ = ["BODY_LIMIT", "SilenceMirror", "replica_key"]

BODY_LIMIT = 16 * 1024 * 1024
"""Largest silences answer read (a replica with thousands of silences stays well below)."""


def replica_key(config: AlertmanagerConfig) -> str:
    """How a replica is named in the mirror file, metrics and logs (no credentials)."""
    return redact_url(config.url.rstrip("/"))


class SilenceMirror:
    """Fetches silences from each replica on a schedule and stores them."""

    def __init__(
        self,
        replicas: Sequence[AlertmanagerConfig],
        store: SilenceStore,
        *,
        clock: Clock,
        interval: float,
        metrics: SilenceMetrics,
    ) -> None:
        self._replicas = list(replicas)
        self._store = store
        self._clock = clock
        self._interval = interval
        self._metrics = metrics
        self._failures = FailureLog("notify.silences", "silence mirroring", "alertmanager")
        for config in self._replicas:
            metrics.mirror_fetches.labels(replica_key(config), "success")
            metrics.mirror_fetches.labels(replica_key(config), "error")

    async def run(self, session: aiohttp.ClientSession) -> None:
        """Mirror forever (cancel to stop)."""
        try:
            await asyncio.to_thread(
                self._store.forget_replicas,
                [replica_key(c) for c in self._replicas],
                self._clock.now(),
            )
        except SilenceFileError as exc:
            self._failures.failed("all", str(exc), self._clock.now())
        while True:
            await self.mirror_once(session)
            await asyncio.sleep(self._interval)

    async def mirror_once(self, session: aiohttp.ClientSession) -> int:
        """Ask every replica once; returns how many answered."""
        results = await asyncio.gather(*(self._mirror(session, c) for c in self._replicas))
        return sum(results)

    async def _mirror(self, session: aiohttp.ClientSession, config: AlertmanagerConfig) -> bool:
        name = replica_key(config)
        try:
            silences = await self._fetch(session, config)
            await asyncio.to_thread(self._store.replace_mirror, name, silences, self._clock.now())
        except (SilenceError, SilenceFileError) as exc:
            self._failed(name, str(exc))
            return False
        except TimeoutError:
            self._failed(name, f"no answer within {config.timeout:g}s")
            return False
        except (aiohttp.ClientError, OSError) as exc:
            self._failed(name, f"connection failed: {type(exc).__name__}: {exc}")
            return False
        now = self._clock.now()
        self._failures.succeeded(name, now)
        self._metrics.mirror_fetches.labels(name, "success").inc()
        self._metrics.mirror_last_success.labels(name).set(now)
        return True

    def _failed(self, name: str, error: str) -> None:
        self._metrics.mirror_fetches.labels(name, "error").inc()
        self._failures.failed(name, error, self._clock.now(), retry_in=self._interval)

    async def _fetch(
        self, session: aiohttp.ClientSession, config: AlertmanagerConfig
    ) -> list[Silence]:
        url = config.url.rstrip("/") + "/api/v2/silences"
        async with (
            asyncio.timeout(config.timeout),
            session.get(
                url,
                headers={"Accept": "application/json", **config.request_headers()},
                ssl=config.ssl_context() or True,
                server_hostname=config.server_hostname,
                allow_redirects=False,
            ) as response,
        ):
            body = await response.content.read(BODY_LIMIT + 1)
            if response.status != 200:
                raise SilenceError(f"HTTP {response.status} from GET /api/v2/silences")
        if len(body) > BODY_LIMIT:
            raise SilenceError(f"answer larger than {BODY_LIMIT} bytes")
        try:
            items = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SilenceError(f"answer is not JSON: {exc}") from None
        if not isinstance(items, list):
            raise SilenceError("answer is not a list of silences")
        now, name = self._clock.now(), replica_key(config)
        out = []
        for item in items:
            try:
                silence = Silence.from_api(item, source=name, now=now)
            except SilenceError:
                continue  # one entry Alertmanager would not have written costs only itself
            if silence.id and silence.state(now) != "expired":
                out.append(silence)
        return out
