"""``monitor-watchdog baseline``: refreshes the host file baseline, refuses when it cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from tests.support.cron_tree import files_only_host, make_cron_tree
from tests.support.probe_harness import load_spec, run_target, value_of
from watchdog.cli import main
from watchdog.hostcheck.baseline import baseline_path


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``main()`` points structlog at the captured stderr, which closes after the test."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    """A cron-like tree: two directories matched by one glob."""
    return make_cron_tree(tmp_path)


def _target(watched: Path, **files: Any) -> dict[str, Any]:
    return files_only_host(watched, **files)


async def test_baseline_command_accepts_changes(
    watched: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor-watchdog baseline` prints what it accepts; the next probe sees no change."""
    workdir = tmp_path / "w"
    await run_target(_target(watched), workdir)
    (watched / "cron.d" / "new-job").write_text("@daily root /usr/local/bin/report\n")
    assert not (await run_target(_target(watched), workdir)).success
    code = main(["baseline", "-c", str(workdir / "watchdog.yml"), "--job", "host-files"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"host-files/bastion: accepting added {watched}/cron.d/new-job" in out
    assert "host-files/bastion: recorded baseline of 4 files (0 unreadable)" in out
    after = await run_target(_target(watched), workdir)
    assert after.success, after.error
    assert value_of(after, "watchdog_host_file_changes", change="added") == 0.0


def test_baseline_command_unknown_job(
    watched: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--job naming no host target exits 1 and lists the host jobs there are."""
    load_spec(_target(watched), tmp_path)
    code = main(["baseline", "-c", str(tmp_path / "watchdog.yml"), "--job", "nope"])
    assert code == 1
    assert "no host target with job 'nope'" in capsys.readouterr().err


def test_baseline_command_without_host_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A config without host targets is an error, not a silent success."""
    load_spec({"job": "t", "kind": "tcp", "address": "127.0.0.1:1"}, tmp_path)
    assert main(["baseline", "-c", str(tmp_path / "watchdog.yml")]) == 1
    assert "(host jobs: none)" in capsys.readouterr().err


def test_corrupt_baseline_is_replaced_and_said(
    watched: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A baseline that cannot be trusted is replaced, with the reason printed."""
    load_spec(_target(watched), tmp_path)
    path = baseline_path(tmp_path / "state", "host-files", "bastion")
    path.parent.mkdir(parents=True)
    path.write_text("{")
    assert main(["baseline", "-c", str(tmp_path / "watchdog.yml")]) == 0
    out = capsys.readouterr().out
    assert (
        f"host-files/bastion: replacing a baseline that cannot be trusted: baseline {path}" in out
    )
    assert json.loads(path.read_text())["version"] == 1
