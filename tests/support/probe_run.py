"""Run one probe the way the scheduler does, from a raw target mapping, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import yaml

from watchdog.clock import Clock, SystemClock
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.targets import TargetSpec
from watchdog.logs import get_logger
from watchdog.probes import PROBES
from watchdog.probes.base import ProbeContext
from watchdog.probes.runner import ProbeOutcome, run_probe

__all__ = ["config_problems", "make_spec", "run_target", "value", "values"]


def make_spec(
    raw: dict[str, Any], base_dir: Path | None = None, timeout: float = 5.0
) -> TargetSpec:
    """Validate ``raw`` with its kind's config model and resolve it like the loader does."""
    config = PROBES[raw["kind"]].config.model_validate(raw, context={"base_dir": base_dir})
    return TargetSpec(
        job=config.job,
        instance=config.instance or config.default_instance(),
        kind=config.kind,
        interval=max(timeout, 15.0),
        timeout=config.timeout or timeout,
        series_limit=1000,
        labels=dict(config.labels),
        config=config,
    )


async def run_target(
    raw: dict[str, Any],
    *,
    base_dir: Path | None = None,
    clock: Clock | None = None,
    probe_timeout: float = 5.0,
    body_size_limit: int = 1024 * 1024,
    state_dir: Path | None = None,
) -> ProbeOutcome:
    """Probe ``raw`` once with the shared runner (timeout, up/success, label checks)."""
    spec = make_spec(raw, base_dir, probe_timeout)
    async with aiohttp.ClientSession() as session:
        ctx = ProbeContext(
            spec=spec,
            config=spec.config,
            session=session,
            state_dir=state_dir or Path("/nonexistent-state"),
            body_size_limit=body_size_limit,
            clock=clock or SystemClock(),
            log=get_logger(f"probe.{spec.kind}").bind(target=spec.key),
        )
        return await run_probe(PROBES[spec.kind], ctx)


def values(outcome: ProbeOutcome, name: str, **labels: str) -> list[float]:
    """Values of every series named ``name`` whose labels include ``labels``."""
    return [
        v
        for key, v in outcome.series.items()
        if key.name == name and all(key.get(k) == want for k, want in labels.items())
    ]


def value(outcome: ProbeOutcome, name: str, **labels: str) -> float:
    """The one value of ``name`` with ``labels``; fails when there are none or several."""
    found = values(outcome, name, **labels)
    assert len(found) == 1, f"{name}{labels}: expected one series, got {found} in {outcome.series}"
    return found[0]


def config_problems(directory: Path, targets: list[dict[str, Any]]) -> list[str]:
    """Load a config holding ``targets`` through the real loader; its issues as strings
    (``file:line: targets[0].key: message``), or [] when it loads."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "watchdog.yml"
    config = {"state_dir": str(directory / "state"), "targets": targets}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    try:
        load_config(path)
    except ConfigError as exc:
        return [str(issue) for issue in exc.issues]
    return []
