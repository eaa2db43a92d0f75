"""Real components from Debian's packages and PyPI, started on free loopback ports."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.procs import ManagedProcess, free_port

REPO = Path(__file__).resolve().parents[2]


def require_binary(name: str) -> str:
    """The path of ``name`` (on PATH or next to this Python), or skip the test.

    Under CI (``WATCHDOG_TEST_STRICT=1``) a missing component fails instead of skipping, so a
    broken install can never pass as a green run.
    """
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        message = f"{name} not installed (run .ci/run or `make deps`)"
        if os.environ.get("WATCHDOG_TEST_STRICT") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class Running:
    """A started component and where it listens."""

    process: ManagedProcess
    port: int

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        """Stop by PID."""
        return self.process.stop()


def _start_server(
    binary: str,
    workdir: Path,
    name: str,
    config: dict[str, object],
    args: list[str],
    port: int,
    ready_path: str,
) -> Running:
    workdir.mkdir(parents=True, exist_ok=True)
    config_file = workdir / f"{name}.yml"
    config_file.write_text(yaml.safe_dump(config))
    proc = ManagedProcess([binary, f"--config.file={config_file}", *args], workdir / f"{name}.log")
    proc.wait_http(f"http://127.0.0.1:{port}{ready_path}")
    return Running(proc, port)


def start_prometheus(
    workdir: Path,
    config: dict[str, object],
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> Running:
    """Debian's ``prometheus`` with ``config``, listening on 127.0.0.1."""
    port = port or free_port()
    args = [
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
        *extra_args,
    ]
    return _start_server(
        require_binary("prometheus"), workdir, "prometheus", config, args, port, "/-/ready"
    )


def start_alertmanager(
    workdir: Path, config: dict[str, object], port: int | None = None
) -> Running:
    """Debian's ``prometheus-alertmanager`` with gossip disabled, on 127.0.0.1."""
    port = port or free_port()
    args = [
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url=http://127.0.0.1:{port}/",
        "--cluster.listen-address=",
    ]
    return _start_server(
        require_binary("prometheus-alertmanager"),
        workdir,
        "alertmanager",
        config,
        args,
        port,
        "/-/ready",
    )


def start_daemon(
    workdir: Path,
    config: dict[str, object],
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> Running:
    """monitor-watchdog itself as a subprocess (``python -m watchdog run``)."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = {"state_dir": str(workdir / "state"), **config}
    config.setdefault("server", {"listen": f"127.0.0.1:{port}"})
    config_file = workdir / "watchdog.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = ManagedProcess(
        [
            sys.executable,
            "-m",
            "watchdog",
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
    proc.wait_http(f"http://127.0.0.1:{port}/-/healthy")
    return Running(proc, port)
