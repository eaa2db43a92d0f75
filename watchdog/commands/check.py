"""``monitor-watchdog check -c FILE [--live] [--strict]`` and ``check rules FILE... [--strict]``.

``check -c`` validates a config and its rule files and prints the lint findings the daemon
logs at start (``watchdog.rules.lint``). Exit codes: **0** valid (warnings may be printed),
**1** the lint failed (an error, or with ``--strict`` a warning), **2** the config or a rule
file is invalid — the daemon would refuse it.

``check rules`` works like ``promtool check rules``: rule files alone, no config, the lint
findings that need none (``for`` shorter than the interval, duplicate rules). Exit **0**
valid, **1** a file is invalid (or, with ``--strict``, has a warning).

Heavy imports wait inside the handlers, so ``--help`` and the other subcommands do not pay
for them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.commands.common import (
    EX_CONFIG,
    add_web_config_flag,
    load_or_explain,
    usage_error,
)

if TYPE_CHECKING:
    from watchdog.config.model import LoadedConfig
    from watchdog.rules.lint import Finding, LiveTarget
    from watchdog.rules.model import RuleGroup

__all__ = ["live_targets", "register"]

DEFAULT_EVALUATION_INTERVAL = 15.0
"""``global.evaluation_interval``'s default, for rule groups checked without a config."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand and its ``rules`` form."""
    parser = sub.add_parser(
        "check",
        help="validate a config file and its rule files, or rule files alone",
        description=(
            "check -c FILE: validate a config and its rule files and lint them (exit 0 valid,"
            " 1 lint failed, 2 invalid). check rules FILE...: rule files alone, like promtool"
            " (exit 0 valid, 1 invalid)."
        ),
    )
    parser.add_argument("-c", "--config", type=Path, help="config file (YAML)")
    parser.add_argument(
        "--live",
        action="store_true",
        help="probe every target once and name rule selectors no target exposes",
    )
    add_web_config_flag(parser)
    _strict_flag(parser)
    forms = parser.add_subparsers(dest="check_form", metavar="rules FILE...")
    rules = forms.add_parser(
        "rules",
        help="validate and lint rule files without a config (like promtool check rules)",
    )
    rules.add_argument("files", nargs="+", type=Path, metavar="FILE", help="rule files (YAML)")
    _strict_flag(rules)
    rules.set_defaults(handler=_handle_rules)
    parser.set_defaults(handler=_handle)


def _strict_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        default=argparse.SUPPRESS,
        help="fail (exit 1) on lint warnings too",
    )


def _handle(args: argparse.Namespace) -> int:
    if args.config is None:
        return usage_error(args, "check needs -c FILE (or: check rules FILE...)")
    from watchdog.once.loop import run_bounded
    from watchdog.rules.lint import lint_config, lint_live

    loaded = load_or_explain(args.config, web_config_file=args.web_config_file)
    if loaded is None:
        return EX_CONFIG
    config, groups = loaded
    findings = lint_config(config, groups)
    if args.live:
        findings += lint_live(groups, run_bounded(live_targets(config)))
    return _report(config, groups, findings, strict=getattr(args, "strict", False))


def _report(
    config: LoadedConfig, groups: list[RuleGroup], findings: list[Finding], *, strict: bool
) -> int:
    from watchdog.config.advice import config_warnings

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
    if errors or (strict and warnings):
        because = "" if errors else " (--strict: warnings fail)"
        print(f"FAILED: {summary}{because}", file=sys.stderr)
        return 1
    print(f"OK: {summary}")
    return 0


def _handle_rules(args: argparse.Namespace) -> int:
    if args.config is not None or args.live:
        return usage_error(args, "check rules takes rule files only (no -c, no --live)")
    from watchdog.config.errors import ConfigError
    from watchdog.rules.files import load_rule_files
    from watchdog.rules.lint import lint_rules

    strict = getattr(args, "strict", False)
    failed = False
    for path in args.files:
        print(f"Checking {path}")
        try:
            groups = load_rule_files([path])
        except ConfigError as exc:
            print("  FAILED:", file=sys.stderr)
            for issue in exc.issues:
                print(issue, file=sys.stderr)
            print(file=sys.stderr)
            print()
            failed = True
            continue
        findings = lint_rules(groups, DEFAULT_EVALUATION_INTERVAL)
        for finding in findings:
            print(finding, file=sys.stderr)
        count = sum(len(group.rules) for group in groups)
        if strict and findings:
            print(f"  FAILED: {len(findings)} warning(s) (--strict)", file=sys.stderr)
            failed = True
        else:
            print(f"  SUCCESS: {count} rules found")
        print()
    return 1 if failed else 0


async def live_targets(config: LoadedConfig) -> list[LiveTarget]:
    """Probe every target once, concurrently; what each exposed.

    Probes see a scratch copy of the daemon's probe state (as ``once`` does): the log canary
    keeps its rate limit, the host probe its baseline, and nothing is written back.
    """
    from watchdog.clock import SystemClock
    from watchdog.once.scratch import scratch_state
    from watchdog.probes.runner import probe_all
    from watchdog.rules.lint import LiveTarget, exposed_names

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
