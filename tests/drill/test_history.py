"""The latest result per stage, read from the reports: by the history reader and, through it, on
the daemon's /metrics (watchdog_drill_last_run_timestamp_seconds / _stage_success)."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from devstack.polling import wait_for
from tests.support.components import start_daemon
from watchdog.drill.alert import new_drill
from watchdog.drill.history import latest_per_stage
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.report import ReportPaths, write_report
from watchdog.drill.run import DrillRun
from watchdog.drill.stage import StageResult
from watchdog.exposition import parse_exposition


def _report(directory: Path, started: float, **passed: bool) -> DrillRun:
    """A drill started at ``started`` with one result per stage, passing or not."""
    stages = []
    for name, ok in passed.items():
        result = ChannelResult(name, name.replace("_", "-"), "here")
        result.add(Step("check", ok, 0.1, "fine" if ok else "broken"))
        stages.append(StageResult(name.replace("_", "-"), name, "checks", [result]))
    run = DrillRun(new_drill(started), stages, started + 60)
    write_report(ReportPaths.for_drill(directory, run.drill.id), run, config="c", journal="j")
    return run


def test_the_newest_report_of_each_stage_wins(tmp_path: Path) -> None:
    """An older drill of two stages, a newer one of one: each stage's newest; bad files named."""
    now = time.time()
    _report(tmp_path, now - 86400 * 90, vault_restore=True, alerting=True)
    newer = _report(tmp_path, now - 3600, alerting=False)
    (tmp_path / "drill-99990101T000000Z-ffffff.json").write_text("{not json")
    history = latest_per_stage(tmp_path)
    assert set(history.stages) == {"vault-restore", "alerting"}
    assert history.stages["alerting"].passed is False
    assert history.stages["alerting"].drill == newer.drill.id
    assert history.stages["alerting"].finished_at == pytest.approx(now - 3600 + 60, abs=0.01)
    assert history.stages["vault-restore"].passed is True
    assert history.stages["vault-restore"].finished_at == pytest.approx(
        now - 86400 * 90 + 60, abs=0.01
    )
    (problem,) = history.unreadable
    assert problem.startswith(str(tmp_path / "drill-99990101T000000Z-ffffff.json"))
    assert latest_per_stage(tmp_path / "absent").stages == {}


LAST_RUN = "watchdog_drill_last_run_timestamp_seconds"


def _drill_series(port: int) -> dict[tuple[str, str], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        samples = parse_exposition(answer.read().decode())
    return {
        (s.name, s.labels.get("stage", "")): s.value
        for s in samples
        if s.name.startswith("watchdog_drill_")
    }


@pytest.mark.slow
def test_the_daemon_exposes_the_last_drill_of_each_stage(tmp_path: Path) -> None:
    """Reports in state_dir/drills show on /metrics; a new report is picked up while it runs."""
    reports = tmp_path / "state" / "drills"
    first = _report(reports, time.time() - 7200, vault_restore=True, alerting=True)
    daemon = start_daemon(tmp_path, {"targets": []})
    try:
        series = _drill_series(daemon.port)
        finished = first.finished_at
        assert series[
            ("watchdog_drill_last_run_timestamp_seconds", "vault-restore")
        ] == pytest.approx(finished, abs=0.01)
        assert series[("watchdog_drill_stage_success", "alerting")] == 1
        assert series[("watchdog_drill_reports_unreadable", "")] == 0
        second = _report(reports, time.time(), alerting=False)
        wait_for(
            lambda: _drill_series(daemon.port)[("watchdog_drill_stage_success", "alerting")] == 0,
            timeout=10,
            message="the new report on /metrics",
        )
        series = _drill_series(daemon.port)
        assert series[("watchdog_drill_last_run_timestamp_seconds", "alerting")] == pytest.approx(
            second.finished_at, abs=0.01
        )
        assert series[("watchdog_drill_stage_success", "vault-restore")] == 1
    finally:
        daemon.stop()
