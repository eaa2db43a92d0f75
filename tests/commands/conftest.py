"""Fixtures for command tests: run ``monitor-watchdog`` in-process and capture its output."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest
import structlog

from watchdog.cli import main


@dataclass(frozen=True)
class CliRun:
    """Exit code and output of one command line."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli() -> Iterator[Callable[..., CliRun]]:
    """Run ``monitor-watchdog ARGS…`` in this process; structlog is reset afterwards."""

    def run(*args: str) -> CliRun:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
        return CliRun(code, out.getvalue(), err.getvalue())

    yield run
    structlog.reset_defaults()  # main() pointed it at a captured stream that is gone now
