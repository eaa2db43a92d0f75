"""The drill's log canaries, through the ``logcanary`` target's own emitter and searchers.

Each canary is the probe's checksummed line with ``src=drill-<id>``, so the daemon's own
canary state never counts them; each backend is asked with the probe's query (Loki
``query_range``, Elasticsearch ``_search``, a generic HTTP search) and judged by its checksum:
only an intact line counts as arrived.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp

from watchdog.probes.kinds.logcanary.config import Backend, LogCanaryTarget
from watchdog.probes.kinds.logcanary.emit import EmitError, emit
from watchdog.probes.kinds.logcanary.line import CanaryLine, Verdict, make_canary
from watchdog.probes.kinds.logcanary.search import judge, search
from watchdog.probes.kinds.logcanary.window import SearchError, SearchWindow

__all__ = ["CanaryRun", "EmitError", "Sighting"]


@dataclass
class Sighting:
    """What one search of one backend found: the intact canary ids, or why it failed."""

    found: set[str] = field(default_factory=set)
    error: str | None = None
    mangled: set[str] = field(default_factory=set)


@dataclass
class CanaryRun:
    """Emit canaries and find them, for one drill."""

    session: aiohttp.ClientSession
    target: LogCanaryTarget
    drill_id: str
    body_limit: int
    timeout: float
    """Each emission and each search at most this long (the target's probe timeout)."""

    def backend(self, name: str) -> Backend:
        """A backend of the target by name."""
        return next(b for b in self.target.backends if b.name == name)

    async def emit(self) -> CanaryLine:
        """One new canary into the pipeline's input (EmitError when that fails)."""
        canary = make_canary(self.target.tag, f"drill-{self.drill_id}", time.time())
        try:
            async with asyncio.timeout(self.timeout):
                await emit(self.session, self.target.emit, canary, self.body_limit)
        except TimeoutError:
            raise EmitError(f"emitting took longer than {self.timeout:g}s") from None
        return canary

    async def look(self, backend: Backend, canaries: list[CanaryLine]) -> Sighting:
        """Which of ``canaries`` ``backend`` holds intact now."""
        if not canaries:
            return Sighting()
        skew = self.target.max_clock_skew
        window = SearchWindow(
            [c.id for c in canaries],
            min(c.emitted_at for c in canaries) - skew,
            time.time() + skew,
            self.body_limit,
        )
        try:
            async with asyncio.timeout(self.timeout):
                answer = await search(self.session, backend, window)
        except SearchError as exc:
            return Sighting(error=str(exc))
        except TimeoutError:
            return Sighting(error=f"no answer within {self.timeout:g}s")
        verdicts = judge(answer.texts, self.target.tag, window.ids)
        return Sighting(
            found={i for i, v in verdicts.items() if v is Verdict.INTACT},
            mangled={i for i, v in verdicts.items() if v is Verdict.MANGLED},
        )
