"""The drill report: both files, per-channel outcomes, nothing that could break a table."""

from __future__ import annotations

import json
import time
from pathlib import Path

from watchdog.drill.alert import DRILL_ALERTNAME, new_drill
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.report import ReportPaths, write_report
from watchdog.drill.run import DrillRun
from watchdog.drill.stage import StageResult
from watchdog.redact import register_secret


def _run(*results: ChannelResult) -> DrillRun:
    stage = StageResult("alerting", "Channels", "channels", list(results))
    return DrillRun(new_drill(time.time(), {"watchdog": "b1"}), [stage], time.time())


def _verified() -> ChannelResult:
    result = ChannelResult("alertmanager http://am:9093", "alertmanager", "http://am:9093")
    result.add(Step("send", True, 0.004, "HTTP 200 in 4ms"))
    result.add(Step("verify", True, 0.012, "listed by the API 12ms after posting"))
    result.outcome, result.latency = "verified", 0.012
    return result


def test_report_files_carry_every_channel(tmp_path: Path) -> None:
    """JSON and Markdown, named after the drill; outcome, latency and error per channel."""
    failed = ChannelResult("slack", "slack", "https://hooks.slack.com/<redacted>")
    failed.add(Step("send", False, None, "HTTP 500: a | pipe\nand a newline"))
    run = _run(_verified(), failed)
    paths = ReportPaths.for_drill(tmp_path / "drills", run.drill.id)
    write_report(paths, run, config="/etc/wd.yml", journal="recorded 2 entries")
    doc = json.loads(paths.json.read_text())
    assert paths.json.name == f"drill-{run.drill.id}.json"
    assert (doc["passed"], doc["summary"]) == (False, "1 of 2 channels passed")
    assert doc["alert"]["labels"] == {
        "watchdog": "b1",
        "alertname": DRILL_ALERTNAME,
        "severity": "none",
        "drill": run.drill.id,
    }
    first, second = doc["channels"]
    assert (first["outcome"], first["passed"], first["latency_seconds"]) == (
        "verified",
        True,
        0.012,
    )
    assert (second["outcome"], second["passed"]) == ("failed", False)
    assert second["error"] == "send: HTTP 500: a | pipe\nand a newline"
    text = paths.markdown.read_text()
    assert text.startswith(f"# DR drill {run.drill.id}: FAILED (1 of 2 channels passed)")
    row = next(line for line in text.splitlines() if line.startswith("| slack "))
    assert row.count(" | ") == 6, "a pipe in an error must not add a column"
    assert "a \\| pipe and a newline" in row
    assert "- Journal: recorded 2 entries" in text


def test_a_secret_that_slipped_into_a_detail_is_redacted(tmp_path: Path) -> None:
    """Whatever a receiver echoed back, a registered secret never reaches the files."""
    register_secret("s3cr3t-token-value-for-report")
    leaky = ChannelResult("webhook", "webhook", "http://h/<redacted>")
    leaky.add(Step("send", False, None, "HTTP 401: bad token s3cr3t-token-value-for-report"))
    run = _run(leaky)
    paths = ReportPaths.for_drill(tmp_path, run.drill.id)
    write_report(paths, run, config="c", journal="j")
    for path in (paths.markdown, paths.json):
        assert "s3cr3t-token-value-for-report" not in path.read_text()
    assert "<redacted>" in paths.json.read_text()
