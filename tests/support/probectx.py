"""Run one probe kind in a test exactly as the scheduler would: config model, context, runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from watchdog.clock import Clock, SystemClock
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.logs import get_logger
from watchdog.probes import PROBES
from watchdog.probes.base import ProbeContext
from watchdog.probes.runner import ProbeOutcome, run_probe

__all__ = ["error_text", "make_context", "run_target", "series_value", "target"]


def target(kind: str, **fields: Any) -> TargetBase:
    """Validate ``fields`` with the kind's config model (job defaults to the kind)."""
    raw = {"job": kind, "kind": kind, **fields}
    return PROBES[kind].config.model_validate(raw, context={"base_dir": Path.cwd()})


def make_context(
    config: TargetBase,
    session: aiohttp.ClientSession,
    state_dir: Path,
    *,
    clock: Clock | None = None,
    timeout: float = 5.0,
    body_size_limit: int = 16 * 1024 * 1024,
    series_limit: int = 20_000,
) -> ProbeContext[Any]:
    """A context like the scheduler's, for ``config``."""
    spec = TargetSpec(
        job=config.job,
        instance=config.instance or config.default_instance(),
        kind=config.kind,
        interval=config.interval or 15.0,
        timeout=timeout,
        series_limit=series_limit,
        labels=dict(config.labels),
        config=config,
    )
    return ProbeContext(
        spec=spec,
        config=config,
        session=session,
        state_dir=state_dir,
        body_size_limit=body_size_limit,
        clock=clock or SystemClock(),
        log=get_logger(f"probe.{config.kind}").bind(target=spec.key),
    )


async def run_target(ctx: ProbeContext[Any]) -> ProbeOutcome:
    """Run the context's kind through the shared runner."""
    return await run_probe(PROBES[ctx.spec.kind], ctx)


def series_value(outcome: ProbeOutcome, metric: str, /, **labels: str) -> float | None:
    """The value of the one series named ``metric`` whose labels include ``labels``."""
    found = [
        value
        for key, value in outcome.series.items()
        if key.name == metric and all(key.get(k) == v for k, v in labels.items())
    ]
    if len(found) > 1:
        raise AssertionError(f"{len(found)} series match {metric}{labels}")
    return found[0] if found else None


def error_text(outcome: ProbeOutcome) -> str:
    """The outcome's error (last_error), which must be set."""
    assert outcome.error is not None, "expected a failed probe with an error"
    return outcome.error
