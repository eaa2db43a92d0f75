"""The drill's dated report: Markdown for people, JSON for tools, side by side.

Each stage has its section (a table of its channels or checks); the JSON lists every result
under ``channels`` with its ``stage``, and each stage's verdict under ``stages``. Both are
written under ``drill-<id>.md`` / ``.json`` (the id starts with the UTC start time,
``20260301T091500Z-3fa9c1``), so reports sort by date and two drills never collide. Nothing in
them is a secret: targets are redacted URLs, errors come from the delivery code's redacted
wording, and the whole text goes through ``redact`` once more before it is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.alerts import iso_time
from watchdog.drill.outcome import ChannelResult, seconds
from watchdog.drill.run import DrillRun
from watchdog.drill.stage import StageResult
from watchdog.redact import redact

__all__ = ["REPORT_VERSION", "ReportPaths", "report_json", "report_markdown", "write_report"]

REPORT_VERSION = 1


@dataclass(frozen=True)
class ReportPaths:
    """Where one drill's two report files go."""

    markdown: Path
    json: Path

    @classmethod
    def for_drill(cls, directory: Path, drill_id: str) -> ReportPaths:
        """``<directory>/drill-<id>.md`` and ``.json``."""
        return cls(directory / f"drill-{drill_id}.md", directory / f"drill-{drill_id}.json")


def report_json(run: DrillRun, *, config: str, journal: str) -> dict[str, Any]:
    """The report as a JSON-ready mapping."""
    drill = run.drill
    return {
        "version": REPORT_VERSION,
        "drill": drill.id,
        "started_at": iso_time(drill.started_at),
        "finished_at": iso_time(run.finished_at),
        "started_by": drill.started_by,
        "config": config,
        "passed": run.passed,
        "summary": run.summary,
        "alert": {"labels": drill.labels, "annotations": drill.annotations},
        "stages": [
            {"stage": s.name, "title": s.title, "passed": s.passed, "summary": s.summary}
            for s in run.stages
        ],
        "channels": [_channel_json(s.name, r) for s in run.stages for r in s.results],
        "journal": journal,
    }


def _channel_json(stage: str, result: ChannelResult) -> dict[str, Any]:
    return {
        "stage": stage,
        "channel": result.channel,
        "kind": result.kind,
        "target": result.target,
        "outcome": result.outcome,
        "passed": result.passed,
        "latency_seconds": _rounded(result.latency),
        "error": result.error,
        "steps": [
            {
                "step": s.name,
                "ok": s.ok,
                "latency_seconds": _rounded(s.latency),
                "detail": s.detail,
            }
            for s in result.steps
        ],
    }


def report_markdown(run: DrillRun, *, config: str, journal: str) -> str:
    """The report for people."""
    drill = run.drill
    verdict = "PASSED" if run.passed else "FAILED"
    matchers = ", ".join(f'`{k}="{v}"`' for k, v in drill.labels.items())
    lines = [
        f"# DR drill {drill.id}: {verdict} ({run.summary})",
        "",
        f"- Started: {iso_time(drill.started_at)} by {drill.started_by}",
        f"- Finished: {iso_time(run.finished_at)}",
        f"- Config: `{config}`",
        f"- Test alert: {matchers}",
        f"- Journal: {journal}",
        "",
    ]
    for stage in run.stages:
        lines += _stage_table(stage)
    lines += ["## Steps", ""]
    for r in run.results:
        lines.append(f"### {r.channel}")
        lines.append("")
        for step in r.steps:
            mark = "ok" if step.ok else "FAILED"
            lines.append(f"- {step.name}: {mark} ({step.detail})")
        lines.append("")
    lines += ["## Summary", "", _advice(run), ""]
    return "\n".join(lines)


def _stage_table(stage: StageResult) -> list[str]:
    lines = [
        f"## {stage.title}",
        "",
        "| Channel | Kind | Target | Outcome | Passed | Latency | Detail |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in stage.results:
        cells = [
            r.channel,
            r.kind,
            r.target,
            r.outcome,
            "yes" if r.passed else "**no**",
            seconds(r.latency) if r.latency is not None else "-",
            r.detail,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*lines, ""]


def _advice(run: DrillRun) -> str:
    if run.passed:
        return (
            "Every channel delivered the drill alert. Record the latencies and compare them"
            " with the last drill."
        )
    failed = [r for r in run.results if not r.passed]
    names = ", ".join(r.channel for r in failed)
    return (
        f"{len(failed)} channel(s) failed: {names}. Each failed channel would fail in a real"
        " incident too: fix it (see its error above), then run the drill again. A failed"
        " `resolve` step may have left the drill alert open there: close it by hand (it is"
        f' labelled drill="{run.drill.id}").'
    )


def write_report(paths: ReportPaths, run: DrillRun, *, config: str, journal: str) -> None:
    """Write both files (directory created owner-only); OSError propagates."""
    paths.markdown.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(report_json(run, config=config, journal=journal), indent=2)
    _write(paths.json, redact(data) + "\n")
    _write(paths.markdown, redact(report_markdown(run, config=config, journal=journal)))


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rounded(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None
