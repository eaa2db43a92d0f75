"""Run one probe with the handling every kind shares: timeout, errors, up/duration/success.

``probe_target`` is what the scheduler calls for each tick; ``probe_all`` is the one-shot round
of ``once`` and ``check --live`` (every target once, concurrently, with a session of its own).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.clock import Clock
from watchdog.config.targets import TargetSpec
from watchdog.logs import get_logger
from watchdog.probes import PROBES
from watchdog.probes.base import (
    GENERIC_SERIES,
    TARGET_INFO,
    ProbeContext,
    ProbeError,
    ProbeKind,
    ProbeResult,
    TargetMemory,
)
from watchdog.redact import redact
from watchdog.samples import METRIC_NAME_PATTERN, LabelSet, Sample

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "GENERIC_SERIES",
    "TARGET_INFO",
    "ProbeOutcome",
    "probe_all",
    "probe_target",
    "run_probe",
]

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_MAX_ERROR_LENGTH = 500


@dataclass
class ProbeOutcome:
    """The result of one probe run, with the synthetic series already added.

    ``undeclared`` names the metrics the probe returned that its kind does not declare in
    ``produces`` (a gap the rule lint cannot see; always empty for open-ended kinds).
    """

    started: float
    duration: float
    up: bool
    success: bool
    error: str | None
    series: dict[LabelSet, float] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    undeclared: frozenset[str] = frozenset()


async def probe_target(
    spec: TargetSpec,
    session: aiohttp.ClientSession,
    state_dir: Path,
    clock: Clock,
    body_size_limit: int,
    memory: TargetMemory | None = None,
) -> ProbeOutcome:
    """Probe one target once, with all the shared handling; ``memory`` is the target's own
    (a fresh one when not given, as in one-shot runs)."""
    ctx = ProbeContext(
        spec=spec,
        config=spec.config,
        session=session,
        state_dir=state_dir,
        body_size_limit=body_size_limit,
        clock=clock,
        log=get_logger(f"probe.{spec.kind}").bind(target=spec.key),
        memory=memory or TargetMemory(),
    )
    return await run_probe(PROBES[spec.kind], ctx)


async def probe_all(
    specs: Sequence[TargetSpec], *, state_dir: Path, clock: Clock, body_size_limit: int
) -> list[ProbeOutcome]:
    """Probe every target once, concurrently, through a session of its own.

    ``run_probe`` bounds each probe by its ``timeout`` and turns every failure (a hang, a
    refused connection, garbage) into a failed outcome, so the round ends within the longest
    timeout plus the time to close connections.
    """
    from watchdog.httpsession import make_session

    async with make_session() as session:
        return list(
            await asyncio.gather(
                *(probe_target(s, session, state_dir, clock, body_size_limit) for s in specs)
            )
        )


async def run_probe(kind: ProbeKind, ctx: ProbeContext[Any]) -> ProbeOutcome:
    """Run ``kind`` once; whatever the probe does, this returns an outcome and never raises."""
    started = ctx.clock.now()
    t0 = time.perf_counter()
    error: str | None = None
    result: ProbeResult | None = None
    try:
        async with asyncio.timeout(ctx.spec.timeout):
            raw: object = await kind.run(ctx)
        if not isinstance(raw, ProbeResult):
            raise ProbeError(f"probe returned {type(raw).__name__}, not a ProbeResult")
        result = raw
    except TimeoutError:
        error = f"probe timed out after {ctx.spec.timeout:g}s"
    except ProbeError as exc:
        error = str(exc)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug or hostile input in a probe costs one failed probe
        error = f"probe crashed: {type(exc).__name__}: {exc}"
    duration = time.perf_counter() - t0

    series: dict[LabelSet, float] = {}
    if result is not None and error is None:
        try:
            series = _collect(result.samples, ctx)
        except ProbeError as exc:
            error = str(exc)
    up = error is None
    failure = result.failure if (result is not None and up) else None
    target = ctx.spec.target_labels()
    series[LabelSet({**target, "__name__": "up"})] = 1.0 if up else 0.0
    series[LabelSet({**target, "__name__": "probe_duration_seconds"})] = duration
    series[LabelSet({**target, "__name__": "probe_success"})] = (
        1.0 if up and failure is None else 0.0
    )
    # Present whatever the outcome, so rules can pick targets by kind even when they fail.
    series[LabelSet({**target, "__name__": TARGET_INFO, "kind": ctx.spec.kind})] = 1.0
    shown = error or failure
    undeclared: frozenset[str] = frozenset()
    if kind.produces and result is not None and up:  # an empty produces is open-ended
        returned = {sample.name for sample in result.samples}
        undeclared = frozenset(returned - kind.produces - ctx.config.extra_series())
    return ProbeOutcome(
        started=started,
        duration=duration,
        up=up,
        success=up and failure is None,
        error=_clip(redact(shown)) if shown else None,
        series=series,
        facts={str(k): redact(str(v)) for k, v in (result.facts.items() if result else ())},
        undeclared=undeclared,
    )


def _collect(samples: Any, ctx: ProbeContext[Any]) -> dict[LabelSet, float]:
    if not isinstance(samples, list):
        raise ProbeError("probe returned samples that are not a list")
    limit = ctx.spec.series_limit
    if len(samples) > limit:
        raise ProbeError(f"target exposed {len(samples)} series, over the limit of {limit}")
    target = ctx.spec.target_labels()
    out: dict[LabelSet, float] = {}
    for sample in samples:
        if not isinstance(sample, Sample) or not METRIC_NAME_PATTERN.match(sample.name):
            raise ProbeError(f"probe returned an invalid sample: {sample!r:.80}")
        if not isinstance(sample.value, int | float) or isinstance(sample.value, bool):
            raise ProbeError(f"sample {sample.name} has a non-numeric value")
        labels = dict(sample.labels)
        for name in [n for n in labels if n in target]:
            # Like Prometheus with honor_labels: false, clashing labels are kept as exported_*.
            labels[f"exported_{name}"] = labels.pop(name)
        if any(not _LABEL_NAME.match(n) for n in labels):
            raise ProbeError(f"sample {sample.name} has an invalid label name")
        key = LabelSet({**labels, **target, "__name__": sample.name})
        if key in out:
            raise ProbeError(f"duplicate series {key.promql()} in one probe")
        out[key] = float(sample.value)
    return out


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_ERROR_LENGTH else text[: _MAX_ERROR_LENGTH - 1] + "…"
