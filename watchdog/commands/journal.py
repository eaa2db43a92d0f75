"""``monitor-watchdog journal verify|show``: check and read the hash-chained journal.

``verify`` walks the whole chain (with the journal keys from the config, or ``--key-file``),
checks it against ``state_dir/journal.anchor`` when present and against every ``--against
HEAD:COUNT`` given: exit 0 intact, 1 tampered, 2 unreadable, 3 cannot be verified (an entry
is sealed with a key that was not given), 64 a wrong command line. Without ``-c`` or
``--state-dir`` both read the state directory the daemon uses by default:
``$STATE_DIRECTORY`` (systemd), else ``/var/lib/monitor-watchdog``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.commands.common import usage_error
from watchdog.config.statedir import FHS_STATE_DIR, default_state_dir

if TYPE_CHECKING:
    from watchdog.journal import Journal, JournalKeys

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``journal`` subcommand with ``verify`` and ``show``."""
    parser = sub.add_parser("journal", help="verify or show the event journal")
    actions = parser.add_subparsers(dest="journal_action", metavar="ACTION")
    actions.required = True
    verify = actions.add_parser("verify", help="check the hash chain; name the first bad entry")
    verify.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="HEAD:COUNT",
        help="an anchor recorded elsewhere (a heartbeat ping, a log line); repeatable",
    )
    verify.add_argument(
        "--key-file",
        action="append",
        default=[],
        type=Path,
        help="journal HMAC key (without -c; -c takes the config's); repeatable",
    )
    show = actions.add_parser("show", help="print journal entries for humans")
    show.add_argument("--since", help="only entries newer than this duration, e.g. 1h or 30m")
    show.add_argument("--kind", help="only entries of this kind (alert, delivery, fallback, …)")
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    for action in (verify, show):
        where = action.add_mutually_exclusive_group()
        where.add_argument("-c", "--config", type=Path, help="config file (its state_dir)")
        where.add_argument(
            "--state-dir",
            type=Path,
            help=f"the daemon's state directory (default: $STATE_DIRECTORY, else {FHS_STATE_DIR})",
        )
    verify.set_defaults(handler=_verify)
    show.set_defaults(handler=_show)


def _journal_location(args: argparse.Namespace) -> tuple[Path, JournalKeys] | None:
    from watchdog.config.errors import ConfigError
    from watchdog.config.load import load_config
    from watchdog.journal import JOURNAL_FILE, NO_KEYS, JournalKeys

    if args.config is None:
        state_dir = args.state_dir or Path(default_state_dir())
        try:
            texts = [path.read_text().strip() for path in getattr(args, "key_file", [])]
        except OSError as exc:
            print(f"cannot read key file: {exc}", file=sys.stderr)
            return None
        keys = JournalKeys.of(texts[0], texts[1:]) if texts else NO_KEYS
        return state_dir / JOURNAL_FILE, keys
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return None
    return Path(config.model.state_dir) / JOURNAL_FILE, config.model.journal.keys()


def _open(args: argparse.Namespace) -> Journal | None:
    from watchdog.journal import Journal

    location = _journal_location(args)
    if location is None:
        return None
    path, keys = location
    try:
        return Journal(path, readonly=True, keys=keys)
    except (OSError, ValueError) as exc:
        print(f"cannot open journal {path}: {exc}", file=sys.stderr)
        return None
    except Exception as exc:  # sqlite3.DatabaseError: not a journal, or damaged
        print(f"cannot read journal {path}: {exc}", file=sys.stderr)
        return None


def _verify(args: argparse.Namespace) -> int:
    from watchdog.journal import ANCHOR_FILE, Anchor, LocalAnchor

    try:
        anchors = [Anchor.parse(text) for text in args.against]
    except ValueError as exc:
        return usage_error(args, f"--against: {exc}")
    journal = _open(args)
    if journal is None:
        return 2
    with closing(journal):
        local, problem = LocalAnchor(journal.path.with_name(ANCHOR_FILE), journal.keys).read()
        if problem is not None:
            print(f"FAILED: {problem}", file=sys.stderr)
            return 1
        if local is not None:
            anchors.append(local)
        result = journal.verify(against=tuple(anchors))
    if result.ok:
        sealed = f"; sealed from entry #{result.sealed_from}" if result.sealed_from else "; unkeyed"
        checked = f"; matches {len(anchors)} anchor(s)" if anchors else ""
        print(
            f"OK: {result.checked} entries, chain intact; head {result.head};"
            f" anchor {result.anchor}{sealed}{checked}"
        )
        return 0
    label = "UNVERIFIABLE" if result.unverifiable else "FAILED"
    print(f"{label} at entry #{result.first_bad}: {result.problem}", file=sys.stderr)
    print(f"{result.checked} entries before it are intact", file=sys.stderr)
    return 3 if result.unverifiable else 1


def _show(args: argparse.Namespace) -> int:
    from watchdog.durations import DurationError, parse_duration
    from watchdog.journal import render_entry

    since: float | None = None
    if args.since:
        try:
            since = time.time() - parse_duration(args.since)
        except DurationError as exc:
            return usage_error(args, f"--since: {exc}")
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
