"""Run one probe kind against a target written as a config dict, through the real loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import yaml

from watchdog.clock import Clock, SystemClock
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.config.targets import TargetSpec
from watchdog.probes.runner import ProbeOutcome, probe_target
from watchdog.samples import LabelSet

__all__ = ["config_issues", "load_spec", "run_target", "series_named", "value_of"]


def _write(target: dict[str, Any], workdir: Path, timeout: str) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "global": {"interval": "30s", "timeout": timeout},
        "state_dir": str(workdir / "state"),
        "targets": [target],
    }
    path = workdir / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def load_spec(target: dict[str, Any], workdir: Path, timeout: str = "5s") -> TargetSpec:
    """The resolved spec of ``target`` (the config loader validates it)."""
    return load_config(_write(target, workdir, timeout)).targets[0]


def config_issues(target: dict[str, Any], workdir: Path) -> list[str]:
    """The loader's messages for ``target`` (empty when it is valid)."""
    try:
        load_config(_write(target, workdir, "5s"))
    except ConfigError as exc:
        return [str(issue) for issue in exc.issues]
    return []


async def run_target(
    target: dict[str, Any],
    workdir: Path,
    *,
    probe_timeout: str = "5s",
    clock: Clock | None = None,
    body_size_limit: int = 16 * 1024 * 1024,
    session: aiohttp.ClientSession | None = None,
) -> ProbeOutcome:
    """Load ``target`` as the only target of a config and probe it once."""
    spec = load_spec(target, workdir, probe_timeout)
    state_dir = workdir / "state"
    if session is not None:
        return await probe_target(spec, session, state_dir, clock or SystemClock(), body_size_limit)
    async with aiohttp.ClientSession() as own:
        return await probe_target(spec, own, state_dir, clock or SystemClock(), body_size_limit)


def series_named(outcome: ProbeOutcome, name: str) -> dict[LabelSet, float]:
    """The outcome's series called ``name``."""
    return {labels: v for labels, v in outcome.series.items() if labels.name == name}


def value_of(outcome: ProbeOutcome, metric: str, /, **labels: str) -> float | None:
    """The value of the one series ``metric`` whose labels include ``labels`` (None if absent)."""
    matches = [
        v
        for key, v in series_named(outcome, metric).items()
        if all(key.get(k) == want for k, want in labels.items())
    ]
    assert len(matches) <= 1, f"{metric}{labels} matches {len(matches)} series"
    return matches[0] if matches else None
