"""The throw-away drill server: ``bao server`` (or ``vault server``) with raft storage in a
private temporary directory, listening on 127.0.0.1 only.

It is started in a session of its own (a Ctrl-C at the terminal reaches the drill, not it),
its output goes to a log file in its directory (the tail is quoted when it fails to start),
and ``remove()`` always stops it (SIGTERM, then SIGKILL) and deletes the directory with the
restored data in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path

from watchdog.drill.settings import resolve_binary
from watchdog.drill.stages.vault_restore.settings import LocalServer
from watchdog.redact import redact

__all__ = ["ServerError", "ThrowawayServer"]

_HCL = """\
storage "raft" {{
  path    = "{data}"
  node_id = "monitor-watchdog-drill"
  # One node on loopback: elect itself at once rather than with production's slack.
  performance_multiplier = 1
}}
listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster_port}"
  tls_disable     = true
}}
api_addr      = "http://127.0.0.1:{port}"
cluster_addr  = "https://127.0.0.1:{cluster_port}"
disable_mlock = true
ui            = false
"""
_STOP_GRACE = 10.0
_LOG_TAIL = 1500


class ServerError(Exception):
    """The server could not be started; the message quotes the end of its log."""


def _free_port_pair() -> int:
    """A free loopback port whose successor is free too (the raft cluster port)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise ServerError("no two adjacent free ports on 127.0.0.1")


class ThrowawayServer:
    """One server process and its directory; ``start`` it, ``restart`` it, ``remove`` it."""

    def __init__(self, settings: LocalServer) -> None:
        self.settings = settings
        self.directory = Path(
            tempfile.mkdtemp(prefix="monitor-watchdog-drill-", dir=settings.work_dir)
        )
        self.port = _free_port_pair()
        self._process: asyncio.subprocess.Process | None = None
        self._config = self.directory / "server.hcl"
        seal = settings.seal_config.read_text() if settings.seal_config else ""
        (self.directory / "data").mkdir(mode=0o700)
        self._config.write_text(
            _HCL.format(data=self.directory / "data", port=self.port, cluster_port=self.port + 1)
            + seal
        )

    @property
    def url(self) -> str:
        """Its API on loopback."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """Its output."""
        return self.directory / "server.log"

    async def start(self) -> None:
        """Start the process (readiness is the caller's to wait for)."""
        binary = resolve_binary(self.settings.binary)
        with self.log.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                binary,
                "server",
                f"-config={self._config}",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                cwd=self.directory,
                env={**os.environ, "HOME": str(self.directory)},
                start_new_session=True,
            )

    def exited(self) -> str | None:
        """Why it is not running (exit code and the end of its log), or None while it runs."""
        if self._process is None or self._process.returncode is None:
            return None
        return f"the server exited with {self._process.returncode}: {self.log_tail()}"

    def log_tail(self) -> str:
        """The end of its log, redacted, on one line."""
        try:
            text = self.log.read_text(errors="replace")[-_LOG_TAIL:]
        except OSError:
            return "(no log)"
        return redact(" ".join(text.split()))

    async def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL after the grace period; reap it."""
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        for signum in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signum)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), _STOP_GRACE)
                return

    async def restart(self) -> None:
        """Stop and start it again on the same data (it comes back sealed)."""
        await self.stop()
        await self.start()

    async def remove(self) -> str:
        """Stop it and delete its directory; what was done, for the report."""
        await self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
        if self.directory.exists():
            return f"server stopped; {self.directory} could NOT be removed: delete it by hand"
        return f"server stopped, {self.directory} removed"
