"""``monitor-watchdog drill -c FILE [--stage S,…] [--dry-run] [--report-dir DIR] [--timeout 30s]
[--hold 0s]``.

Runs the DR drill's stages (``watchdog.drill``): by default every configured stage that does
not disturb production; ``--stage`` names the ones to run (a disruptive stage runs only when
named). ``--dry-run`` prints the plan and touches nothing. Writes a dated Markdown + JSON report
(default ``drill.report_dir`` or ``state_dir/drills/``), journals one entry per check, prints
the report's path and a summary. SIGINT/SIGTERM stop the drill after the running stage undid
what it changed. Exit **0** when every stage that ran met its targets, **1** when one did not,
the drill was interrupted or the report could not be written, **2** on a config error, an
unknown or unconfigured stage, or nothing to drill.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from watchdog.commands.common import load_or_explain
from watchdog.config.model import LoadedConfig
from watchdog.drill.interrupt import Interrupt, handle_signals
from watchdog.drill.journal import journal_drill
from watchdog.drill.outcome import seconds
from watchdog.drill.report import ReportPaths, write_report
from watchdog.drill.run import DrillRun, run_drill
from watchdog.drill.select import Selection, SelectionError, parse_stage_names, select_stages
from watchdog.drill.stages import STAGES
from watchdog.durations import DurationError, parse_duration

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``drill`` subcommand."""
    names = ",".join(stage.name for stage in STAGES)
    parser = sub.add_parser(
        "drill",
        help="the quarterly DR drill: restore Vault, fail over logs, CA outage, alerting",
        description=(
            "Run the DR drill's stages, measure each against its targets and write a dated"
            " report. Stages that stop something in production run only when named with"
            " --stage. Exit 0: every stage met its targets; 1: one did not (or interrupted);"
            " 2: invalid config, unknown or unconfigured stage, nothing to drill."
        ),
    )
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument(
        "--stage",
        metavar="STAGE[,STAGE…]",
        help=f"the stages to run ({names}); default: every configured non-disruptive one",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what each stage would stop, restore, emit and for how long; touch nothing",
    )
    parser.add_argument(
        "--report-dir", type=Path, help="where the reports go (default: drill.report_dir)"
    )
    parser.add_argument(
        "--timeout",
        default="30s",
        help="alerting: time each channel gets to accept and show the alert, and to resolve it",
    )
    parser.add_argument(
        "--hold",
        default="0s",
        help="alerting: keep the drill alert firing this long before resolving it; longer than"
        " Alertmanager's group_wait, it lets the drill see each replica notify its receivers",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    try:
        budget, hold = parse_duration(args.timeout), parse_duration(args.hold)
        names = parse_stage_names(args.stage) if args.stage is not None else None
    except (DurationError, SelectionError) as exc:
        print(f"drill: {exc}", file=sys.stderr)
        return 2
    if budget <= 0:
        print("drill: --timeout must be positive", file=sys.stderr)
        return 2
    loaded = load_or_explain(args.config, rules=False)
    if loaded is None:
        return 2
    config, _ = loaded
    try:
        selection = select_stages(config, names)
    except SelectionError as exc:
        print(f"drill: {exc}", file=sys.stderr)
        return 2
    if not selection.run:
        _explain_nothing(config, selection)
        return 2
    if args.dry_run:
        _print_plan(config, selection)
        return 0
    run = asyncio.run(_run(config, selection, budget, hold))
    state_dir = config.model.state_dir
    directory = args.report_dir or config.drill.reports(state_dir)
    paths = ReportPaths.for_drill(directory, run.drill.id)
    journal = journal_drill(state_dir, run, paths.markdown, keys=config.model.journal.keys())
    _print_summary(run, journal)
    try:
        write_report(paths, run, config=str(config.source), journal=journal)
    except OSError as exc:
        print(f"drill: cannot write the report to {paths.markdown.parent}: {exc}", file=sys.stderr)
        return 1
    print(f"report: {paths.markdown}")
    print(f"        {paths.json}")
    return 0 if run.passed else 1


async def _run(config: LoadedConfig, selection: Selection, budget: float, hold: float) -> DrillRun:
    interrupt = Interrupt()
    with handle_signals(interrupt):
        return await run_drill(
            config,
            budget=budget,
            hold=hold,
            stages=selection.run,
            skipped=selection.skipped,
            interrupt=interrupt,
        )


def _explain_nothing(config: LoadedConfig, selection: Selection) -> None:
    if selection.skipped:
        for skipped in selection.skipped:
            print(f"drill: {skipped.name} left out: {skipped.reason}", file=sys.stderr)
        print("drill: nothing else to drill", file=sys.stderr)
        return
    needs = "; ".join(f"the {stage.name} stage needs {stage.needs}" for stage in STAGES)
    print(f"drill: {config.source} configures nothing to drill ({needs})", file=sys.stderr)


def _print_plan(config: LoadedConfig, selection: Selection) -> None:
    print(f"DR drill plan for {config.source} (dry run: nothing is touched)")
    for stage in selection.run:
        disruption = stage.disruption(config)
        note = f" — DISRUPTIVE: {disruption}" if disruption else ""
        print(f"\n{stage.name}{note}")
        for line in stage.plan(config):
            print(f"  - {line}")
    for skipped in selection.skipped:
        print(f"\n{skipped.name}: not run: {skipped.reason}")


def _print_summary(run: DrillRun, journal: str) -> None:
    verdict = "PASSED" if run.passed else "FAILED"
    print(f"DR drill {run.drill.id}: {verdict}, {run.summary}")
    for result in run.results:
        mark = "PASS" if result.passed else "FAIL"
        if result.passed:
            took = f" in {seconds(result.latency)}" if result.latency is not None else ""
            notify = next((s for s in result.steps if s.name == "notify" and s.ok), None)
            detail = f"{notify.detail} (listed{took})" if notify else f"{result.outcome}{took}"
            if result.measures:
                detail += f": {result.detail}"
        else:
            detail = f"{result.outcome}: {result.error}" if result.error else result.outcome
        # The target only when the name does not already show it ("alertmanager http://h").
        where = f" ({result.target})" if result.target not in result.channel else ""
        print(f"  {mark}  {result.channel}{where}: {detail}")
        for warning in result.warnings:
            print(f"        finding: {warning}")
    for skipped in run.skipped:
        print(f"  SKIP  {skipped.name}: {skipped.reason}")
    if run.interrupted:
        print(f"interrupted by {run.interrupted}: the running stage undid its changes first")
    print(f"journal: {journal}")
