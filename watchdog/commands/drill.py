"""``monitor-watchdog drill -c FILE [--report-dir DIR] [--timeout 30s] [--hold 0s]``.

Sends a labelled test alert through every configured channel independently, verifies what can
be verified, resolves it everywhere, writes a dated Markdown + JSON report (default
``state_dir/drills/``), journals one entry per channel, prints the report's path and a short
summary. Exit **0** when every channel passed, **1** when any failed (or the report could not
be written), **2** on a config error or when no channel is configured. See ``watchdog.drill``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.commands.common import EX_CONFIG, load_or_explain

if TYPE_CHECKING:
    from watchdog.drill.run import DrillRun

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``drill`` subcommand."""
    parser = sub.add_parser(
        "drill",
        help="DR drill: send a test alert through every channel, verify, report",
        description=(
            "Send a labelled test alert through every Alertmanager replica, emergency receiver"
            " and the heartbeat; verify, resolve, and write a dated report. Exit 0: every"
            " channel passed; 1: a channel failed; 2: invalid config or no channel."
        ),
    )
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument(
        "--report-dir", type=Path, help="where the reports go (default: state_dir/drills)"
    )
    parser.add_argument(
        "--timeout",
        default="30s",
        help="time each channel gets to accept and show the alert, and again to resolve it",
    )
    parser.add_argument(
        "--hold",
        default="0s",
        help="keep the drill alert firing this long before resolving it (e.g. longer than"
        " Alertmanager's group_wait, so its routing pages the on-call too)",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import asyncio

    from watchdog.commands.common import usage_error
    from watchdog.drill.journal import journal_drill
    from watchdog.drill.report import ReportPaths, write_report
    from watchdog.drill.run import applicable_checks, run_drill
    from watchdog.drill.stages import STAGES
    from watchdog.durations import DurationError, parse_duration

    try:
        budget, hold = parse_duration(args.timeout), parse_duration(args.hold)
    except DurationError as exc:
        return usage_error(args, str(exc))
    if budget <= 0:
        return usage_error(args, "--timeout must be positive")
    loaded = load_or_explain(args.config, rules=False)
    if loaded is None:
        return EX_CONFIG
    config, _ = loaded
    if applicable_checks(config) == 0:
        needs = "; ".join(f"the {stage.name} stage needs {stage.needs}" for stage in STAGES)
        print(f"drill: {config.source} configures nothing to drill ({needs})", file=sys.stderr)
        return EX_CONFIG
    run = asyncio.run(run_drill(config, budget=budget, hold=hold))
    state_dir = config.model.state_dir
    paths = ReportPaths.for_drill(args.report_dir or state_dir / "drills", run.drill.id)
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


def _print_summary(run: DrillRun, journal: str) -> None:
    from watchdog.drill.outcome import seconds

    verdict = "PASSED" if run.passed else "FAILED"
    print(f"DR drill {run.drill.id}: {verdict}, {run.summary}")
    for result in run.results:
        mark = "PASS" if result.passed else "FAIL"
        if result.passed and result.latency is not None:
            detail = f"{result.outcome} in {seconds(result.latency)}"
        else:
            detail = f"{result.outcome}: {result.error}" if result.error else result.outcome
        print(f"  {mark}  {result.channel} ({result.target}): {detail}")
    print(f"journal: {journal}")
