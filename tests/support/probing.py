"""Build targets exactly as the config loader does, and probe them once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from watchdog.clock import Clock, SystemClock
from watchdog.config.load import load_config
from watchdog.config.targets import TargetSpec
from watchdog.httpsession import make_session
from watchdog.probes.runner import ProbeOutcome, probe_target


def spec_for(tmp_path: Path, target: dict[str, Any], **global_: Any) -> TargetSpec:
    """A resolved TargetSpec for one target dict (validated like a real config file)."""
    config = {"state_dir": str(tmp_path / "state"), "targets": [target]}
    if global_:
        config["global"] = global_
    path = tmp_path / f"target-{abs(hash(str(target)))}.yaml"
    path.write_text(yaml.safe_dump(config))
    [spec] = load_config(path).targets
    return spec


async def probe(
    spec: TargetSpec,
    state_dir: Path,
    *,
    clock: Clock | None = None,
    body_size_limit: int = 16 * 1024 * 1024,
) -> ProbeOutcome:
    """Probe ``spec`` once with a fresh HTTP session, like the scheduler does."""
    state_dir.mkdir(parents=True, exist_ok=True)
    async with make_session() as session:
        return await probe_target(spec, session, state_dir, clock or SystemClock(), body_size_limit)


def value(outcome: ProbeOutcome, name: str, /, **labels: str) -> float:
    """The value of the one series named ``name`` whose labels include ``labels``."""
    found = [
        v
        for key, v in outcome.series.items()
        if key.name == name and all(key.get(k) == want for k, want in labels.items())
    ]
    assert len(found) == 1, f"{name}{labels}: {len(found)} series in {sorted(outcome.series)}"
    return found[0]
