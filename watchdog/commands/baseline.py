"""``monitor-watchdog baseline -c FILE [--job JOB]``: record the host file baseline anew.

Run it after a legitimate change to a watched file (a new cron job), with the same user and
privileges as the daemon, so both see the same files. It prints what the new baseline accepts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.commands.common import EX_CONFIG, load_or_explain

if TYPE_CHECKING:
    from watchdog.config.targets import TargetSpec

__all__ = ["register"]

_SHOWN = 50


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``baseline`` subcommand."""
    parser = sub.add_parser(
        "baseline", help="record the file baseline of host targets (accepting current files)"
    )
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument("--job", help="only the host target(s) of this job")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from watchdog.probes.kinds.host.probe import HostTarget

    loaded = load_or_explain(args.config, rules=False)
    if loaded is None:
        return EX_CONFIG
    config, _ = loaded
    hosts = [s for s in config.targets if isinstance(s.config, HostTarget)]
    chosen = [s for s in hosts if args.job is None or s.job == args.job]
    if not chosen:
        jobs = ", ".join(sorted({s.job for s in hosts})) or "none"
        wanted = f" with job {args.job!r}" if args.job else ""
        print(f"no host target{wanted} in {args.config} (host jobs: {jobs})", file=sys.stderr)
        return 1
    code = 0
    for spec in chosen:
        code = max(code, _record(spec, config.model.state_dir))
    return code


def _record(spec: TargetSpec, state_dir: Path) -> int:
    from watchdog.hostcheck.baseline import baseline_path, load_baseline
    from watchdog.hostcheck.errors import BaselineError
    from watchdog.hostcheck.files import diff, scan
    from watchdog.hostcheck.snapshot import record_baseline
    from watchdog.probes.kinds.host.probe import HostTarget, file_settings

    assert isinstance(spec.config, HostTarget)
    settings = file_settings(spec.config)
    if settings is None:
        print(f"{spec.key}: the file check is disabled, nothing to record")
        return 0
    path = baseline_path(state_dir, spec.job, spec.instance)
    current = scan(settings.watch, settings.max_files, settings.max_file_size)
    try:
        previous = load_baseline(path)
    except BaselineError as exc:
        print(f"{spec.key}: replacing a baseline that cannot be trusted: {exc}")
        previous = None
    if previous is not None and previous.watch == list(settings.watch):
        changes = diff(previous.files, current.files)
        for change in changes[:_SHOWN]:
            print(f"{spec.key}: accepting {change.kind} {change.path}")
        if len(changes) > _SHOWN:
            print(f"{spec.key}: ... and {len(changes) - _SHOWN} more changes")
    try:
        record_baseline(settings, path, time.time(), current)
    except OSError as exc:
        print(f"{spec.key}: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if current.truncated:
        print(
            f"{spec.key}: WARNING: more than files.max_files={settings.max_files} files; "
            "only the first were recorded",
            file=sys.stderr,
        )
    print(
        f"{spec.key}: recorded baseline of {len(current.files)} files "
        f"({current.unreadable} unreadable) in {path}"
    )
    return 0
