"""``monitor-watchdog check -c FILE [--live]``: validate a config and its rule files, lint rules.

Exit codes: 0 when nothing is wrong (warnings may be printed), 1 when the config or a rule file
is invalid or the lint found an error. See ``watchdog.rules.lint`` for what is an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from watchdog.clock import SystemClock
from watchdog.commands.common import add_web_config_flag, load_or_explain
from watchdog.config.advice import config_warnings
from watchdog.config.model import LoadedConfig
from watchdog.once.loop import run_bounded
from watchdog.once.scratch import scratch_state
from watchdog.probes.runner import probe_all
from watchdog.rules.lint import Finding, LiveTarget, exposed_names, lint_live, lint_static
from watchdog.rules.model import RuleGroup

__all__ = ["live_targets", "register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand."""
    parser = sub.add_parser("check", help="validate a config file and its rule files")
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument(
        "--live",
        action="store_true",
        help="probe every target once and name rule selectors no target exposes",
    )
    add_web_config_flag(parser)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    loaded = load_or_explain(args.config, web_config_file=args.web_config_file)
    if loaded is None:
        return 1
    config, groups = loaded
    findings = lint_static(groups, config.targets, config.global_.evaluation_interval)
    if args.live:
        findings += lint_live(groups, run_bounded(live_targets(config)))
    return _report(config, groups, findings)


def _report(config: LoadedConfig, groups: list[RuleGroup], findings: list[Finding]) -> int:
    for finding in findings:
        print(finding, file=sys.stderr)
    advice = config_warnings(config)
    for text in advice:
        print(f"warning: {config.source}: {text}", file=sys.stderr)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors + len(advice)
    rules = sum(len(g.rules) for g in groups)
    summary = (
        f"{config.source}: {len(config.targets)} targets, {len(config.rule_paths)} rule files, "
        f"{rules} rules, {errors} error(s), {warnings} warning(s)"
    )
    if errors:
        print(f"FAILED: {summary}", file=sys.stderr)
        return 1
    print(f"OK: {summary}")
    return 0


async def live_targets(config: LoadedConfig) -> list[LiveTarget]:
    """Probe every target once, concurrently; what each exposed.

    Probes see a scratch copy of the daemon's probe state (as ``once`` does): the log canary
    keeps its rate limit, the host probe its baseline, and nothing is written back.
    """
    clock = SystemClock()
    with scratch_state(config.model.state_dir) as (scratch, _notes):
        outcomes = await probe_all(
            config.targets,
            state_dir=scratch,
            clock=clock,
            body_size_limit=config.global_.body_size_limit,
        )
    return [
        LiveTarget(spec, outcome.up, exposed_names(outcome.series))
        for spec, outcome in zip(config.targets, outcomes, strict=True)
    ]
