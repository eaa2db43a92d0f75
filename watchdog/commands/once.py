"""``monitor-watchdog once -c FILE [--json] [--no-color]``: one round, one evaluation, a verdict.

Probes every target once (concurrently, each bounded by its timeout), evaluates every rule
group once over those samples, prints a table of targets and alerts (or JSON) and exits
**0** when all is healthy, **1** when an alert would fire or a target is down or failing or a
rule cannot be evaluated, **2** when the config or a rule file is invalid (the same
``file:line`` messages as ``check``). See ``watchdog.once`` for how ``for`` and the daemon's
saved state are treated. It never sends a notification and never writes to ``state_dir``, so
it is safe next to a running daemon, from cron, CI, or by hand during an incident.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from watchdog.commands.common import EX_CONFIG, load_or_explain

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``once`` subcommand."""
    parser = sub.add_parser(
        "once",
        help="probe every target once, evaluate every rule once, print what would fire",
        description=(
            "One probe round and one rule evaluation. Exit 0: all healthy; 1: an alert would"
            " fire, a target is down or failing, or a rule failed; 2: invalid config or rules."
        ),
    )
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--no-color", action="store_true", help="no ANSI colours in the table")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from watchdog.once.loop import run_bounded
    from watchdog.once.render import judge, render_json, render_table
    from watchdog.once.run import run_once

    loaded = load_or_explain(args.config)
    if loaded is None:
        return EX_CONFIG
    config, groups = loaded
    result = run_bounded(run_once(config, groups))
    verdict = judge(result.targets, result.evaluation)
    if args.json:
        text = render_json(
            result.targets, result.evaluation, verdict, result.notes, str(config.source)
        )
    else:
        color = not args.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
        text = render_table(result.targets, result.evaluation, verdict, result.notes, color=color)
    print(text)
    return verdict.code
