"""Prometheus and Alertmanager from Debian's packages, started on loopback and stopped by PID."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from devstack.procs import ManagedProcess, free_port

__all__ = ["OnStart", "Running", "find_binary", "start_alertmanager", "start_prometheus", "started"]

OnStart = Callable[[ManagedProcess], None]
"""Called with a process as soon as it exists (before waiting for it to be ready)."""


def find_binary(name: str) -> str | None:
    """``name`` on PATH or next to this Python (where pip puts ``bao``); None when missing."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def _require(name: str, binary: str | None) -> str:
    found = binary or find_binary(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (Debian package; `make deps`)")
    return found


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
    on_start: OnStart | None,
) -> Running:
    workdir.mkdir(parents=True, exist_ok=True)
    config_file = workdir / f"{name}.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = ManagedProcess([binary, f"--config.file={config_file}", *args], workdir / f"{name}.log")
    started(proc, on_start, lambda: proc.wait_http(f"http://127.0.0.1:{port}{ready_path}"))
    return Running(proc, port)


def started(proc: ManagedProcess, on_start: OnStart | None, wait: Callable[[], None]) -> None:
    """Tell ``on_start`` about ``proc`` at once, then ``wait`` for it; kill it if that fails."""
    try:
        if on_start is not None:
            on_start(proc)
        wait()
    except BaseException:
        proc.kill()
        raise


def start_prometheus(
    workdir: Path,
    config: dict[str, object],
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
    binary: str | None = None,
    on_start: OnStart | None = None,
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
        _require("prometheus", binary),
        workdir,
        "prometheus",
        config,
        args,
        port,
        "/-/ready",
        on_start,
    )


def start_alertmanager(
    workdir: Path,
    config: dict[str, object],
    port: int | None = None,
    binary: str | None = None,
    on_start: OnStart | None = None,
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
        _require("prometheus-alertmanager", binary),
        workdir,
        "alertmanager",
        config,
        args,
        port,
        "/-/ready",
        on_start,
    )
