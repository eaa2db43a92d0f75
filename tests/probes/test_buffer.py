"""The buffer probe: a shipper's filesystem buffer, growing, aging and filling its file system."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.probe_harness import error_text, make_context, run_context, value, value_of
from watchdog.clock import FakeClock
from watchdog.probes.base import TargetMemory
from watchdog.probes.runner import ProbeOutcome

T0 = 1_700_000_000.0


class Buffer:
    """A buffer directory with Fluent Bit's layout (``<input>/<chunk>.flb``) and a probe."""

    def __init__(self, root: Path, session: aiohttp.ClientSession, **fields: Any) -> None:
        self.root = root
        self.path = root / "flb-storage"
        (self.path / "tail.0").mkdir(parents=True, exist_ok=True)
        self.session = session
        self.clock = FakeClock(T0)
        self.memory = TargetMemory()
        self.fields = fields

    def chunk(self, name: str, size: int, mtime: float | None = None) -> Path:
        """Write (or grow) a chunk file, stamped ``mtime`` (default: the fake now)."""
        path = self.path / "tail.0" / name
        with path.open("ab") as handle:
            handle.write(b"\0" * size)
        stamp = self.clock.now() if mtime is None else mtime
        os.utime(path, (stamp, stamp))
        return path

    async def probe(self) -> ProbeOutcome:
        """One run at the fake time, with the target's memory."""
        target = {"kind": "buffer", "path": str(self.path), "pattern": "*.flb", **self.fields}
        ctx = make_context(target, self.root, self.session, clock=self.clock, memory=self.memory)
        return await run_context(ctx)


async def test_size_files_and_oldest_age(tmp_path: Path, session: aiohttp.ClientSession):
    """Only matching files count; the oldest file's age is taken from its modification time."""
    buffer = Buffer(tmp_path, session)
    buffer.chunk("1-a.flb", 1000, mtime=T0 - 120)
    buffer.chunk("1-b.flb", 500)
    (buffer.path / "tail.0" / "notes.txt").write_text("not a chunk")
    outcome = await buffer.probe()
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_buffer_files") == 2
    assert value(outcome, "watchdog_buffer_size_bytes") == 1500
    assert value(outcome, "watchdog_buffer_oldest_file_age_seconds") == 120
    assert value_of(outcome, "watchdog_buffer_growth_bytes_per_second") is None
    assert value(outcome, "watchdog_buffer_filesystem_size_bytes") > 0


async def test_growth_over_the_window(tmp_path: Path, session: aiohttp.ClientSession):
    """Growth is measured against the oldest size seen within growth_window."""
    buffer = Buffer(tmp_path, session, growth_window="5m")
    buffer.chunk("1.flb", 1000)
    await buffer.probe()
    buffer.clock.advance(100)
    buffer.chunk("1.flb", 2000)
    assert value(await buffer.probe(), "watchdog_buffer_growth_bytes_per_second") == 20.0
    buffer.clock.advance(250)  # T0 is now 350 s ago: out of the window; T0+100 stays
    buffer.chunk("2.flb", 5000)
    assert value(await buffer.probe(), "watchdog_buffer_growth_bytes_per_second") == 20.0
    buffer.clock.advance(10)
    for chunk in ("1.flb", "2.flb"):  # flushed: the buffer empties
        (buffer.path / "tail.0" / chunk).unlink()
    shrinking = await buffer.probe()
    assert value(shrinking, "watchdog_buffer_growth_bytes_per_second") < 0


async def test_a_stale_buffer_fails_the_check(tmp_path: Path, session: aiohttp.ClientSession):
    """A chunk older than max_oldest_age: nothing is being delivered."""
    buffer = Buffer(tmp_path, session, max_oldest_age="15m")
    buffer.chunk("old.flb", 10, mtime=T0 - 1800)
    outcome = await buffer.probe()
    assert outcome.up
    assert "oldest file is 30m old, over max_oldest_age 15m" in error_text(outcome)


async def test_an_empty_buffer_is_healthy(tmp_path: Path, session: aiohttp.ClientSession):
    """No chunk: zero files, zero bytes, age 0 — all delivered."""
    outcome = await Buffer(tmp_path, session, max_oldest_age="1m").probe()
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_buffer_files") == 0
    assert value(outcome, "watchdog_buffer_oldest_file_age_seconds") == 0


async def test_a_missing_directory_is_down(tmp_path: Path, session: aiohttp.ClientSession):
    """The directory is gone (Fluent Bit never started, wrong path): up 0, said why."""
    buffer = Buffer(tmp_path, session)
    shutil.rmtree(buffer.path)
    outcome = await buffer.probe()
    assert not outcome.up
    assert f"buffer directory {buffer.path} does not exist" in error_text(outcome)


async def test_the_walk_stops_at_max_files(tmp_path: Path, session: aiohttp.ClientSession):
    """More files than max_files: counted up to the cap, and the check fails saying so."""
    buffer = Buffer(tmp_path, session, max_files=3)
    for n in range(5):
        buffer.chunk(f"{n}.flb", 1)
    outcome = await buffer.probe()
    assert value(outcome, "watchdog_buffer_files") == 3
    assert "more than max_files (3) files" in error_text(outcome)


async def test_a_directory_growing_under_a_writer(tmp_path: Path, session: aiohttp.ClientSession):
    """A writer adds chunks and deletes flushed ones while the probe walks: every run is up, and
    once it stops the probe sees exactly what it left, grown over the window."""
    buffer = Buffer(tmp_path, session)
    allowed = threading.Semaphore(0)
    rounds, per_round = 10, 30

    def writer() -> None:
        for n in range(1, rounds * per_round + 1):
            allowed.acquire()
            (buffer.path / "tail.0" / f"{n}.flb").write_bytes(b"x" * 4096)
            if n % 3 == 0:  # every third write, the chunk before it was flushed
                (buffer.path / "tail.0" / f"{n - 1}.flb").unlink()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    for _ in range(rounds):
        for _ in range(per_round):
            allowed.release()  # the writer works while the probe walks
        outcome = await buffer.probe()
        assert outcome.up and outcome.success, outcome.error
        buffer.clock.advance(15)
    thread.join(timeout=60)
    assert not thread.is_alive()
    final = await buffer.probe()
    assert value(final, "watchdog_buffer_files") == 200  # 300 written, 100 flushed
    assert value(final, "watchdog_buffer_size_bytes") == 200 * 4096
    assert value(final, "watchdog_buffer_growth_bytes_per_second") > 0


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (root only; skipped otherwise), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=64", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


async def test_a_nearly_full_file_system(small_tmpfs: Path, session: aiohttp.ClientSession):
    """A 1 MiB file system 90 % full fails min_avail_ratio and reports its room left."""
    buffer = Buffer(small_tmpfs, session, min_avail_ratio=0.2)
    buffer.chunk("big.flb", 900 * 1024)
    outcome = await buffer.probe()
    assert outcome.up
    assert value(outcome, "watchdog_buffer_filesystem_size_bytes") == 1024 * 1024
    avail = value(outcome, "watchdog_buffer_filesystem_avail_bytes")
    assert avail <= 124 * 1024
    assert value(outcome, "watchdog_buffer_filesystem_files_avail") < 64
    assert "of the file system is available (min_avail_ratio 20%)" in error_text(outcome)
    (buffer.path / "tail.0" / "big.flb").unlink()
    assert (await buffer.probe()).success
