"""The demo's OpenBao: a raft server behind TLS from a demo CA, initialised and unsealed, with a
KV canary secret, a least-privilege token for the daemon and a first raft snapshot.

The unseal key and root token are written to ``openbao/DEMO-ONLY-*`` files so the failure
script can seal and unseal it. That is acceptable for a throw-away server on loopback only.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devstack.components import OnStart
from devstack.demo.layout import Layout
from devstack.openbao import OpenBao, ServerTls, start_raft
from devstack.pki import chain_pem, issue, make_ca
from devstack.polling import wait_for

__all__ = ["WATCHDOG_POLICY", "make_certificates", "prepare", "start", "take_snapshot"]

WATCHDOG_POLICY = """\
path "auth/token/lookup-self" { capabilities = ["read"] }
path "secret/data/demo-canary" { capabilities = ["read"] }
path "sys/storage/raft/configuration" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/state" { capabilities = ["read"] }
"""
"""What the ``vault`` probe needs (docs/probes-vault-pki.md), and nothing else."""

_WARNING = "DEMO ONLY: the keys of a throw-away OpenBao on loopback. Never store real ones so."


def _private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def make_certificates(layout: Layout) -> ServerTls:
    """A demo CA and a 90-day certificate for localhost / 127.0.0.1, signed by it."""
    now = datetime.now(UTC).replace(microsecond=0)
    ca = make_ca("monitor-watchdog demo CA (DEMO ONLY)", now=now, days=30)
    leaf = issue(
        ca,
        ["localhost", "127.0.0.1"],
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=90),
    )
    ca_file = layout.pki / "ca.pem"
    ca_file.write_bytes(ca.cert_pem())
    cert_file = layout.pki / "openbao.pem"
    cert_file.write_bytes(chain_pem(leaf))
    key_file = layout.pki / "openbao-key.pem"
    key_file.write_bytes(leaf.key_pem())
    key_file.chmod(0o600)
    return ServerTls(cert_file, key_file, ca_file)


def start(layout: Layout, port: int, bao: str, on_start: OnStart) -> OpenBao:
    """Start the raft server (sealed, uninitialised) with TLS on ``port``."""
    tls = make_certificates(layout)
    return start_raft(
        layout.openbao, node_id="demo-vault", bao=bao, port=port, tls=tls, on_start=on_start
    )


def _call(server: OpenBao, method: str, path: str, body: object = None) -> object:
    status, answer = server.api(method, path, body)
    if status not in (200, 204):
        raise RuntimeError(f"OpenBao {method} {path}: HTTP {status} {answer}")
    return answer


def prepare(server: OpenBao, layout: Layout, bao: str) -> Path:
    """Initialise, unseal, add the canary, policy and token, take a snapshot.

    Returns the daemon's token file.
    """
    server.initialize()
    _private(layout.openbao / "DEMO-ONLY-unseal-key", server.unseal_keys[0] + "\n")
    _private(layout.openbao / "DEMO-ONLY-root-token", server.root_token + "\n")
    server.unseal()
    server.wait_health(200, timeout=60)  # raft elects the single node leader
    _call(server, "POST", "/v1/sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})
    canary = {"data": {"purpose": "read by monitor-watchdog to prove secrets can be read"}}
    # A new KV v2 mount answers 400 "Upgrading from non-versioned to versioned data" briefly.
    wait_for(
        lambda: server.api("POST", "/v1/secret/data/demo-canary", canary)[0] == 200,
        timeout=30,
        interval=0.2,
        message="the KV v2 mount to accept the canary secret",
    )
    _call(server, "PUT", "/v1/sys/policies/acl/monitor-watchdog", {"policy": WATCHDOG_POLICY})
    answer = _call(
        server,
        "POST",
        "/v1/auth/token/create",
        {"policies": ["monitor-watchdog"], "period": "720h", "display_name": "monitor-watchdog"},
    )
    assert isinstance(answer, dict)
    token_file = _private(layout.openbao / "watchdog-token", answer["auth"]["client_token"] + "\n")
    _write_env(server, layout, bao)
    take_snapshot(server, layout)
    return token_file


def _write_env(server: OpenBao, layout: Layout, bao: str) -> None:
    assert server.tls is not None
    lines = [
        f"# {_WARNING}",
        "# Source it to use the bao CLI against the demo: . demo-state/openbao/env.sh",
        f"export BAO_ADDR={shlex.quote(server.url)}",
        f"export BAO_CACERT={shlex.quote(str(server.tls.ca_file.resolve()))}",
        f'export BAO_TOKEN="$(cat {shlex.quote(str(layout.openbao.resolve()))}'
        '/DEMO-ONLY-root-token)"',
        f'export PATH={shlex.quote(str(Path(bao).resolve().parent))}:"$PATH"',
    ]
    _private(layout.openbao / "env.sh", "\n".join(lines) + "\n")


def take_snapshot(server: OpenBao, layout: Layout) -> Path:
    """``bao operator raft snapshot save`` into the snapshot directory, named as the seed's
    cron script names them."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = layout.snapshots / f"vault-{stamp}.snap"
    server.save_snapshot(target)
    target.chmod(0o600)
    return target
