"""``monitor-watchdog journal verify|show``: check and read the hash-chained journal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import closing
from pathlib import Path

from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.durations import DurationError, parse_duration
from watchdog.journal import JOURNAL_FILE, Journal, render_entry

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``journal`` subcommand with ``verify`` and ``show``."""
    parser = sub.add_parser("journal", help="verify or show the event journal")
    actions = parser.add_subparsers(dest="journal_action", metavar="ACTION")
    actions.required = True
    verify = actions.add_parser("verify", help="check the hash chain; name the first bad entry")
    show = actions.add_parser("show", help="print journal entries for humans")
    show.add_argument("--since", help="only entries newer than this duration, e.g. 1h or 30m")
    show.add_argument("--kind", help="only entries of this kind (alert, delivery, fallback, …)")
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    for action in (verify, show):
        where = action.add_mutually_exclusive_group(required=True)
        where.add_argument("-c", "--config", type=Path, help="config file (its state_dir)")
        where.add_argument("--state-dir", type=Path, help="the daemon's state directory")
    verify.set_defaults(handler=_verify)
    show.set_defaults(handler=_show)


def _journal_path(args: argparse.Namespace) -> Path | None:
    if args.state_dir is not None:
        return Path(args.state_dir) / JOURNAL_FILE
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return None
    return Path(config.model.state_dir) / JOURNAL_FILE


def _open(args: argparse.Namespace) -> Journal | None:
    path = _journal_path(args)
    if path is None:
        return None
    try:
        return Journal(path, readonly=True)
    except (OSError, ValueError) as exc:
        print(f"cannot open journal {path}: {exc}", file=sys.stderr)
        return None
    except Exception as exc:  # sqlite3.DatabaseError: not a journal, or damaged
        print(f"cannot read journal {path}: {exc}", file=sys.stderr)
        return None


def _verify(args: argparse.Namespace) -> int:
    journal = _open(args)
    if journal is None:
        return 2
    with closing(journal):
        result = journal.verify()
    if result.ok:
        print(f"OK: {result.checked} entries, chain intact; head {result.head}")
        return 0
    print(f"FAILED at entry #{result.first_bad}: {result.problem}", file=sys.stderr)
    print(f"{result.checked} entries before it are intact", file=sys.stderr)
    return 1


def _show(args: argparse.Namespace) -> int:
    since: float | None = None
    if args.since:
        try:
            since = time.time() - parse_duration(args.since)
        except DurationError as exc:
            print(f"--since: {exc}", file=sys.stderr)
            return 2
    journal = _open(args)
    if journal is None:
        return 2
    with closing(journal):
        for entry in journal.entries(since=since, kind=args.kind):
            if args.json:
                record = {
                    "seq": entry.seq,
                    "ts": entry.ts,
                    "kind": entry.kind,
                    "data": entry.fields(),
                    "hash": entry.hash,
                }
                print(json.dumps(record, sort_keys=True))
            else:
                print(render_entry(entry))
    return 0
