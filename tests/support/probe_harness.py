"""Run probe kinds in tests the way the daemon does: the real config loader, the shared runner.

Every run also checks the kind's declaration: a probe that returns a metric its kind does not
declare in ``produces`` fails the test (``ProbeOutcome.undeclared``). Together the test suites
of all kinds keep ``produces``, which the rule lint relies on, true.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from watchdog.clock import Clock, SystemClock
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.logs import get_logger
from watchdog.probes import PROBES
from watchdog.probes.base import ProbeContext, TargetMemory
from watchdog.probes.runner import ProbeOutcome, run_probe
from watchdog.samples import LabelSet

__all__ = [
    "config_issues",
    "error_text",
    "load_spec",
    "make_context",
    "run_context",
    "run_target",
    "series_named",
    "validate_target",
    "value",
    "value_of",
    "values",
]

BODY_SIZE_LIMIT = 16 * 1024 * 1024
Duration = str | float
"""A config duration (``"5s"``) or seconds."""


def _duration(value: Duration) -> str:
    return value if isinstance(value, str) else f"{round(value * 1000)}ms"


def _write(targets: list[dict[str, Any]], workdir: Path, global_: dict[str, Any]) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "global": {"interval": "30s", "timeout": "5s", **global_},
        "state_dir": str(workdir / "state"),
        "targets": [{"job": t.get("kind"), **t} for t in targets],
    }
    path = workdir / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def load_spec(
    target: dict[str, Any], workdir: Path, timeout: Duration = "5s", **global_: Any
) -> TargetSpec:
    """The resolved spec of ``target`` (``job`` defaults to the kind), validated by the loader;
    relative paths in it are relative to ``workdir``."""
    settings = {"timeout": _duration(timeout), **global_}
    return load_config(_write([target], workdir, settings)).targets[0]


def config_issues(targets: dict[str, Any] | list[dict[str, Any]], workdir: Path) -> list[str]:
    """The loader's ``file:line: key: reason`` messages for ``targets`` (empty when valid)."""
    listed = targets if isinstance(targets, list) else [targets]
    try:
        load_config(_write(listed, workdir, {}))
    except ConfigError as exc:
        return [str(issue) for issue in exc.issues]
    return []


def validate_target(kind: str, **fields: Any) -> TargetBase:
    """The kind's config model for ``fields`` (job defaults to the kind), for tests that hand
    a config to a kind's helpers directly."""
    raw = {"job": kind, "kind": kind, **fields}
    return PROBES[kind].config.model_validate(raw, context={"base_dir": Path.cwd()})


def make_context(
    target: dict[str, Any] | TargetSpec,
    workdir: Path,
    session: aiohttp.ClientSession,
    *,
    clock: Clock | None = None,
    timeout: Duration = "5s",
    body_size_limit: int = BODY_SIZE_LIMIT,
    memory: TargetMemory | None = None,
) -> ProbeContext[Any]:
    """The context the scheduler would give ``target``; state goes to ``workdir/state``."""
    spec = target if isinstance(target, TargetSpec) else load_spec(target, workdir, timeout)
    state_dir = workdir / "state"
    state_dir.mkdir(parents=True, exist_ok=True)
    return ProbeContext(
        spec=spec,
        config=spec.config,
        session=session,
        state_dir=state_dir,
        body_size_limit=body_size_limit,
        clock=clock or SystemClock(),
        log=get_logger(f"probe.{spec.kind}").bind(target=spec.key),
        memory=memory or TargetMemory(),
    )


async def run_context(ctx: ProbeContext[Any]) -> ProbeOutcome:
    """Run the context's kind through the shared runner; fail on undeclared metric names."""
    outcome = await run_probe(PROBES[ctx.spec.kind], ctx)
    assert not outcome.undeclared, (
        f"kind {ctx.spec.kind} returned metrics it does not declare in produces: "
        f"{sorted(outcome.undeclared)}"
    )
    return outcome


async def run_target(
    target: dict[str, Any] | TargetSpec,
    workdir: Path | None = None,
    *,
    probe_timeout: Duration = "5s",
    clock: Clock | None = None,
    body_size_limit: int = BODY_SIZE_LIMIT,
    session: aiohttp.ClientSession | None = None,
    memory: TargetMemory | None = None,
) -> ProbeOutcome:
    """Load ``target`` as the only target of a config in ``workdir`` (a throw-away directory
    when None) and probe it once; ``memory`` carries the target's state between calls."""
    async with contextlib.AsyncExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="probe-")))
        if session is None:
            session = await stack.enter_async_context(aiohttp.ClientSession())
        ctx = make_context(
            target,
            workdir,
            session,
            clock=clock,
            timeout=probe_timeout,
            body_size_limit=body_size_limit,
            memory=memory,
        )
        return await run_context(ctx)


def series_named(outcome: ProbeOutcome, name: str) -> dict[LabelSet, float]:
    """The outcome's series called ``name``."""
    return {labels: v for labels, v in outcome.series.items() if labels.name == name}


def values(outcome: ProbeOutcome, name: str, /, **labels: str) -> list[float]:
    """Values of every series ``name`` whose labels include ``labels``."""
    return [
        v
        for key, v in series_named(outcome, name).items()
        if all(key.get(k) == want for k, want in labels.items())
    ]


def value_of(outcome: ProbeOutcome, name: str, /, **labels: str) -> float | None:
    """The value of the one series ``name`` whose labels include ``labels`` (None if absent)."""
    found = values(outcome, name, **labels)
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} series"
    return found[0] if found else None


def value(outcome: ProbeOutcome, name: str, /, **labels: str) -> float:
    """The value of the one series ``name`` with ``labels``; fails when there are none."""
    found = values(outcome, name, **labels)
    assert len(found) == 1, f"{name}{labels}: expected one series, got {found} in {outcome.series}"
    return found[0]


def error_text(outcome: ProbeOutcome) -> str:
    """The outcome's error (last_error), which must be set."""
    assert outcome.error is not None, "expected a failed probe with an error"
    return outcome.error
