"""``monitor-watchdog silence add|query|expire``: silences for the fallback path, amtool-style.

They are stored in the daemon's ``state_dir`` (``-c`` names the config, ``--state-dir`` the
directory), so they work while the daemon runs (it picks changes up within a second) and
while it is stopped, and whether or not an Alertmanager was ever reachable. Matchers are
amtool's: ``alertname=VaultSealed instance=~"vault-.*"``; a first argument without an
operator is an alert name, as in ``amtool silence add VaultSealed``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import socket
import sys
import time
from pathlib import Path

from watchdog.alerts import iso_time
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.durations import DurationError, format_duration, parse_duration
from watchdog.notify.matchers import Matcher, MatcherError, format_matchers, parse_matchers
from watchdog.notify.silences import (
    LOCAL,
    Silence,
    SilenceError,
    SilenceFileError,
    SilenceStore,
    parse_time,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``silence`` subcommand with ``add``, ``query`` and ``expire``."""
    parser = sub.add_parser("silence", help="add, list or expire silences of the fallback path")
    actions = parser.add_subparsers(dest="silence_action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="silence alerts matching all the given matchers")
    add.add_argument("matchers", nargs="+", metavar="MATCHER", help='e.g. severity=~"warn.*"')
    add.add_argument("-d", "--duration", default="1h", help="how long (default 1h)")
    add.add_argument("--start", help="RFC 3339 start time (default: now)")
    add.add_argument("--end", help="RFC 3339 end time (instead of --duration)")
    add.add_argument("--comment", required=True, help="why (required, as in amtool)")
    add.add_argument("-a", "--author", help="who (default: user@host)")
    query = actions.add_parser("query", help="list silences (active and pending by default)")
    query.add_argument("matchers", nargs="*", metavar="MATCHER", help="only silences with these")
    query.add_argument("--expired", action="store_true", help="list expired silences instead")
    query.add_argument("-q", "--quiet", action="store_true", help="print only the ids")
    query.add_argument("--json", action="store_true", help="one JSON object per line")
    expire = actions.add_parser("expire", help="end silences now")
    expire.add_argument("ids", nargs="+", metavar="ID")
    for action in (add, query, expire):
        where = action.add_mutually_exclusive_group(required=True)
        where.add_argument("-c", "--config", type=Path, help="config file (its state_dir)")
        where.add_argument("--state-dir", type=Path, help="the daemon's state directory")
    add.set_defaults(handler=_add)
    query.set_defaults(handler=_query)
    expire.set_defaults(handler=_expire)


def _store(args: argparse.Namespace) -> SilenceStore | None:
    if args.state_dir is not None:
        return SilenceStore(Path(args.state_dir))
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return None
    return SilenceStore(Path(config.model.state_dir))


def _matchers(texts: list[str]) -> list[Matcher]:
    if texts and not any(op in texts[0] for op in ("=", "!")):
        texts = [f"alertname={texts[0]}", *texts[1:]]
    return [m for text in texts for m in parse_matchers(text)]


def _add(args: argparse.Namespace) -> int:
    now = time.time()
    try:
        matchers = _matchers(args.matchers)
        start = parse_time(args.start, "--start") if args.start else now
        end = parse_time(args.end, "--end") if args.end else start + parse_duration(args.duration)
    except (MatcherError, SilenceError, DurationError) as exc:
        print(f"silence add: {exc}", file=sys.stderr)
        return 2
    store = _store(args)
    if store is None:
        return 2
    author = args.author or f"{getpass.getuser()}@{socket.gethostname()}"
    silence = Silence("", tuple(matchers), start, end, author, args.comment, now, LOCAL)
    try:
        stored = store.add(silence, now)
    except SilenceError as exc:
        print(f"silence add: {exc}", file=sys.stderr)
        return 2
    except SilenceFileError as exc:
        print(f"silence add: {exc}", file=sys.stderr)
        return 1
    print(stored.id)
    return 0


def _query(args: argparse.Namespace) -> int:
    try:
        wanted = {str(m) for m in _matchers(args.matchers)}
    except MatcherError as exc:
        print(f"silence query: {exc}", file=sys.stderr)
        return 2
    store = _store(args)
    if store is None:
        return 2
    now = time.time()
    snapshot = store.snapshot(now)
    for problem in store.problems:
        print(f"warning: {problem}", file=sys.stderr)
    shown = [
        s
        for s in sorted(snapshot.effective(), key=lambda s: (s.ends_at, s.id))
        if (s.state(now) == "expired") == args.expired and wanted <= {str(m) for m in s.matchers}
    ]
    for silence in shown:
        if args.quiet:
            print(silence.id)
        elif args.json:
            print(json.dumps(silence.to_api(now), sort_keys=True))
        else:
            print(_line(silence, now))
    return 0


def _line(silence: Silence, now: float) -> str:
    state = silence.state(now)
    left = (
        f" ({format_duration(max(0.0, silence.ends_at - now))} left)" if state == "active" else ""
    )
    return (
        f"{silence.id}  {state}{left}  {format_matchers(silence.matchers)}"
        f"  ends {iso_time(silence.ends_at)}  by {silence.created_by}  [{silence.source}]"
        f"  {silence.comment}"
    )


def _expire(args: argparse.Namespace) -> int:
    store = _store(args)
    if store is None:
        return 2
    code = 0
    for silence_id in args.ids:
        try:
            ended = store.expire(silence_id, time.time())
        except (SilenceError, SilenceFileError) as exc:
            print(f"silence expire: {exc}", file=sys.stderr)
            code = 1
            continue
        where = "" if ended.source == LOCAL else f" (mirrored from {ended.source}: expired here)"
        print(f"expired {ended.id}{where}")
    return code
