"""Real components for tests: Debian's Prometheus/Alertmanager (launchers in :mod:`devstack`,
skipped or failed here when missing) and the daemon itself as a subprocess."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from devstack import components as devstack_components
from devstack.components import Running, find_binary
from devstack.procs import REPO, ManagedProcess, free_port

__all__ = [
    "REPO",
    "Running",
    "require_binary",
    "start_alertmanager",
    "start_daemon",
    "start_prometheus",
]


def require_binary(name: str) -> str:
    """The path of ``name`` (on PATH or next to this Python), or skip the test.

    Under CI (``WATCHDOG_TEST_STRICT=1``) a missing component fails instead of skipping, so a
    broken install can never pass as a green run.
    """
    path = find_binary(name)
    if path is None:
        message = f"{name} not installed (run .ci/run or `make deps`)"
        if os.environ.get("WATCHDOG_TEST_STRICT") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def start_prometheus(
    workdir: Path,
    config: dict[str, object],
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> Running:
    """Debian's ``prometheus`` with ``config``, listening on 127.0.0.1 (skip when missing)."""
    binary = require_binary("prometheus")
    return devstack_components.start_prometheus(workdir, config, port, extra_args, binary=binary)


def start_alertmanager(
    workdir: Path, config: dict[str, object], port: int | None = None
) -> Running:
    """Debian's ``prometheus-alertmanager`` with gossip disabled (skip when missing)."""
    binary = require_binary("prometheus-alertmanager")
    return devstack_components.start_alertmanager(workdir, config, port, binary=binary)


_WITH_NOFILE = (
    "import resource, runpy, sys; n = int(sys.argv.pop(1));"
    " resource.setrlimit(resource.RLIMIT_NOFILE, (n, n));"
    " runpy.run_module('watchdog', run_name='__main__', alter_sys=True)"
)
"""``python -c`` bootstrap: lower RLIMIT_NOFILE (soft and hard), then run ``-m watchdog``."""


def start_daemon(
    workdir: Path,
    config: dict[str, object],
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
    nofile: int | None = None,
) -> Running:
    """monitor-watchdog itself as a subprocess (``python -m watchdog run``); ``nofile`` caps
    its file descriptors, so descriptor exhaustion is cheap to provoke."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = {"state_dir": str(workdir / "state"), **config}
    config.setdefault("server", {"listen": f"127.0.0.1:{port}"})
    config_file = workdir / "watchdog.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = ManagedProcess(
        [
            sys.executable,
            *(("-c", _WITH_NOFILE, str(nofile)) if nofile is not None else ("-m", "watchdog")),
            "--log-format",
            "json",
            "run",
            "-c",
            str(config_file),
            *extra_args,
        ],
        workdir / "watchdog.log",
        env={"PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    try:
        proc.wait_http(f"http://127.0.0.1:{port}/-/healthy")
    except BaseException:
        proc.kill()  # never leave a daemon behind that did not come up
        raise
    return Running(proc, port)
