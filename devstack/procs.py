"""Start external programs on loopback (for tests and the demo) and stop them by PID."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.polling import wait_for

__all__ = ["REPO", "ManagedProcess", "free_port", "http_ok", "run_watchdog_cli"]

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_ok(url: str, timeout: float = 1.0, context: ssl.SSLContext | None = None) -> bool:
    """True when ``url`` answers 2xx (``context`` verifies an https server)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310
            status: int = response.status
            return 200 <= status < 300
    except OSError:
        return False


def run_watchdog_cli(
    *args: str, cwd: Path = REPO, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m watchdog ARGS`` from this checkout, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "watchdog", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


class ManagedProcess:
    """A child process with its output captured to a file; stopped by its own PID."""

    def __init__(
        self,
        args: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = list(args)
        self.log_path = log_path
        self.env = dict(env or {})
        """Only the variables set on top of this process' environment."""
        self.cwd = cwd
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            self.args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The child's PID."""
        return self.proc.pid

    def alive(self) -> bool:
        """True while the child runs."""
        return self.proc.poll() is None

    def output(self) -> str:
        """Everything the child printed so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_http(
        self, url: str, timeout: float = 20.0, context: ssl.SSLContext | None = None
    ) -> None:
        """Wait until ``url`` answers 2xx, failing early if the child exits."""

        def ready() -> bool:
            if not self.alive():
                raise AssertionError(
                    f"{self.args[0]} exited with {self.proc.returncode}:\n{self.output()[-3000:]}"
                )
            return http_ok(url, context=context)

        try:
            wait_for(ready, timeout=timeout, message=f"{url} to answer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- output ---\n{self.output()[-3000:]}") from None

    def signal(self, signum: int) -> None:
        """Send a signal to the child (by PID)."""
        if self.alive():
            os.kill(self.pid, signum)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL (by PID) and reap."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()
