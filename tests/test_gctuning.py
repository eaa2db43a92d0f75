"""The collector thresholds every command runs with."""

from __future__ import annotations

import gc
import subprocess
import sys

from devstack.procs import REPO
from watchdog.gctuning import DAEMON_GC_THRESHOLDS, tune_garbage_collector

CPYTHON_DEFAULTS = (700, 10, 10)
EXAMPLE = REPO / "config" / "local.yaml"


def test_tuning_raises_thresholds_and_keeps_the_collector_on() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(*CPYTHON_DEFAULTS)  # other tests may already have run cli.main
        tune_garbage_collector()
        tuned = gc.get_threshold()
        assert tuned == DAEMON_GC_THRESHOLDS
        assert all(t >= d for t, d in zip(tuned, CPYTHON_DEFAULTS, strict=True))
        assert tuned[0] > CPYTHON_DEFAULTS[0]
        assert gc.isenabled()
    finally:
        gc.set_threshold(*before)


def test_every_command_starts_with_the_tuned_thresholds() -> None:
    script = (
        "import gc, sys\n"
        "from watchdog.cli import main\n"
        f"code = main(['check', '-c', {str(EXAMPLE)!r}])\n"
        "print(code, gc.get_threshold())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip().splitlines()[-1] == f"0 {DAEMON_GC_THRESHOLDS}", result.stderr
