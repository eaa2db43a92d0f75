"""The whole ``once`` run: scratch state, probe round, saved alert state, one evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.clock import Clock, SystemClock
from watchdog.config.model import LoadedConfig
from watchdog.once.evaluate import Evaluation, evaluate_rules
from watchdog.once.probing import TargetResult, probe_round
from watchdog.once.saved import load_saved_state
from watchdog.once.scratch import scratch_state
from watchdog.rules.group import EvalContext
from watchdog.rules.model import RuleGroup
from watchdog.rules.setup import external_url, query_limits
from watchdog.store import SampleStore

__all__ = ["OnceResult", "run_once"]


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
        targets = await probe_round(
            config.targets,
            store=store,
            state_dir=scratch,
            clock=clock,
            body_size_limit=config.global_.body_size_limit,
        )
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
