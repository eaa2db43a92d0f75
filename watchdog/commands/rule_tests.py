"""``monitor-watchdog test rules FILE...``: run ``promtool test rules`` files.

The output follows promtool's: ``Unit Testing:  FILE``, then ``SUCCESS`` or ``FAILED:`` with
each expected/got difference; the exit code is 1 when any file failed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register", "run_files"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``test`` with its ``rules`` sub-command."""
    parser = sub.add_parser("test", help="unit-test rules (promtool test rules format)")
    inner = parser.add_subparsers(dest="test_command", metavar="WHAT")
    inner.required = True
    rules = inner.add_parser("rules", help="run promtool-format rule unit test files")
    rules.add_argument("files", nargs="+", type=Path, metavar="FILE", help="test files (YAML)")
    rules.set_defaults(handler=_handle)


def run_files(files: list[Path]) -> int:
    """Run every file, print promtool-style results; 0 when all passed, else 1."""
    from watchdog.rules.promtool_tests.runner import run_test_file

    failed = False
    for path in files:
        print("Unit Testing: ", path)
        result = run_test_file(path)
        for warning in result.warnings:
            print(warning)
        if result.ok:
            print("  SUCCESS")
        else:
            failed = True
            print("  FAILED:")
            for error in result.errors:
                print(error)
                print()
        print()
    return 1 if failed else 0


def _handle(args: argparse.Namespace) -> int:
    return run_files(list(args.files))
