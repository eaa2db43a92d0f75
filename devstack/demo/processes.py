"""The demo's processes on record: started, restarted and stopped by PID, never by name.

Every process the demo starts is written to ``demo.json`` the moment it exists, with its
command line, so ``stop`` (from any shell, even after the starting process is gone) can end
exactly those processes — and never a stranger that happens to reuse a PID: a PID counts as
ours only while ``/proc/<pid>/cmdline`` is the recorded command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devstack.components import started
from devstack.procs import ManagedProcess

__all__ = [
    "DemoState",
    "ProcessRecord",
    "is_running",
    "launch",
    "pid_alive",
    "relaunch",
    "terminate",
    "this_process",
]


@dataclass
class ProcessRecord:
    """One started process: enough to recognise it, stop it, or start it again.

    It is recognised by PID and command line (program name and arguments).
    """

    name: str
    pid: int
    args: list[str]
    log: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None


@dataclass
class DemoState:
    """What ``demo.json`` holds."""

    path: Path
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, ProcessRecord] = field(default_factory=dict)
    supervisor: ProcessRecord | None = None
    """The ``start`` process while it runs in the foreground (it stops the rest on exit)."""
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> DemoState | None:
        """The recorded state, or None when there is none."""
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        return cls(
            path,
            ports={k: int(v) for k, v in raw.get("ports", {}).items()},
            processes={
                name: ProcessRecord(**record) for name, record in raw.get("processes", {}).items()
            },
            supervisor=ProcessRecord(**raw["supervisor"]) if raw.get("supervisor") else None,
            info=raw.get("info", {}),
        )

    def save(self) -> None:
        """Write atomically (a concurrent ``stop`` never reads half a file)."""
        data = {
            "ports": self.ports,
            "processes": {name: asdict(r) for name, r in self.processes.items()},
            "supervisor": asdict(self.supervisor) if self.supervisor else None,
            "info": self.info,
        }
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(json.dumps(data, indent=2) + "\n")
        scratch.replace(self.path)

    def record(self, name: str, process: ManagedProcess) -> None:
        """Put a just-started process on record (and on disk) at once."""
        cwd = str(process.cwd) if process.cwd is not None else None
        self.processes[name] = ProcessRecord(
            name, process.pid, process.args, str(process.log_path), process.env, cwd
        )
        self.save()

    def on_start(self, name: str) -> Callable[[ManagedProcess], None]:
        """A launcher callback that records the process under ``name``."""
        return lambda process: self.record(name, process)

    def running(self) -> list[ProcessRecord]:
        """Recorded processes that still run."""
        return [r for r in self.processes.values() if is_running(r)]


def this_process(name: str = "supervisor") -> ProcessRecord:
    """A record of the calling process."""
    cmdline = Path(f"/proc/{os.getpid()}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    args = [a.decode(errors="surrogateescape") for a in cmdline]
    return ProcessRecord(name, os.getpid(), args, "")


def _proc_state(pid: int) -> str | None:
    """The state letter from ``/proc/<pid>/stat`` (R, S, Z …), or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[0]


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    return _proc_state(pid) not in (None, "Z", "X")


def is_running(record: ProcessRecord) -> bool:
    """True while the recorded process (same PID, same command line) runs."""
    if not pid_alive(record.pid):
        return False
    try:
        cmdline = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except OSError:
        return False
    actual = [a.decode(errors="surrogateescape") for a in cmdline.rstrip(b"\0").split(b"\0")]
    # argv[0] may change on exec: pip's ``bao`` is a launcher that execs the real binary.
    return (
        len(actual) == len(record.args)
        and Path(actual[0]).name == Path(record.args[0]).name
        and actual[1:] == record.args[1:]
    )


def _reap(pid: int) -> None:
    # Our own children must be waited for, or they linger as zombies.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(record: ProcessRecord, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        _reap(record.pid)
        if not is_running(record):
            return True
        time.sleep(0.05)
    return False


def terminate(record: ProcessRecord, timeout: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL after ``timeout``; False when it was not running."""
    if not is_running(record):
        _reap(record.pid)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    if not _wait_gone(record, timeout):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGKILL)
        _wait_gone(record, timeout)
    return True


def launch(
    state: DemoState,
    name: str,
    args: list[str],
    log: Path,
    ready_url: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> ManagedProcess:
    """Start ``args`` (output to ``log``), record it, wait until ``ready_url`` answers 2xx."""
    process = ManagedProcess(args, log, env=env, cwd=cwd)
    started(process, state.on_start(name), lambda: process.wait_http(ready_url, timeout=60))
    return process


def relaunch(state: DemoState, name: str, ready_url: str) -> ManagedProcess:
    """Start a recorded process again with its recorded command line (e.g. Alertmanager)."""
    record = state.processes[name]
    cwd = Path(record.cwd) if record.cwd else None
    return launch(state, name, record.args, Path(record.log), ready_url, record.env, cwd)
