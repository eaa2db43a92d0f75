"""The whole ``once`` run: scratch state, one probe round (every target at once, each bounded
by its timeout), saved alert state, one evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.clock import Clock, SystemClock
from watchdog.config.model import LoadedConfig
from watchdog.config.targets import TargetSpec
from watchdog.once.evaluate import Evaluation, evaluate_rules
from watchdog.once.saved import load_saved_state
from watchdog.once.scratch import scratch_state
from watchdog.probes.runner import ProbeOutcome, probe_all
from watchdog.rules.group import EvalContext
from watchdog.rules.model import RuleGroup
from watchdog.rules.setup import external_url, query_limits
from watchdog.store import SampleStore

__all__ = ["OnceResult", "TargetResult", "run_once"]


@dataclass(frozen=True)
class TargetResult:
    """One target's outcome in this round."""

    spec: TargetSpec
    outcome: ProbeOutcome

    @property
    def health(self) -> str:
        """``up`` (answered and healthy), ``failing`` (answered, unhealthy) or ``down``."""
        if not self.outcome.up:
            return "down"
        return "up" if self.outcome.success else "failing"


@dataclass(frozen=True)
class OnceResult:
    """What one round saw and what the rules made of it."""

    targets: list[TargetResult]
    evaluation: Evaluation
    notes: list[str]


async def run_once(
    config: LoadedConfig, groups: Sequence[RuleGroup], clock: Clock | None = None
) -> OnceResult:
    """Probe every target once, then evaluate every group once; read-only on ``state_dir``."""
    clock = clock or SystemClock()
    state_dir = config.model.state_dir
    store = SampleStore()
    with scratch_state(state_dir) as (scratch, notes):
        outcomes = await probe_all(
            config.targets,
            state_dir=scratch,
            clock=clock,
            body_size_limit=config.global_.body_size_limit,
        )
    targets = [TargetResult(s, o) for s, o in zip(config.targets, outcomes, strict=True)]
    for result in targets:
        store.ingest(result.spec.key, result.outcome.started, result.outcome.series)
    context = EvalContext(
        store,
        config.external_labels,
        external_url(config, config.model.server.listen),
        limits=query_limits(config),
    )
    evaluation = evaluate_rules(
        groups,
        store,
        clock.now(),
        default_interval=config.global_.evaluation_interval,
        context=context,
        saved=load_saved_state(state_dir),
    )
    if not config.targets:
        notes.append("the config has no targets")
    return OnceResult(targets, evaluation, notes)
