"""The drill's dated report: Markdown for people, JSON for tools, side by side.

Each stage has its section (a table of its channels or checks, its measurements against their
targets, the commands it ran); the JSON lists every result under ``channels`` with its
``stage``, each stage's verdict under ``stages`` and the stages left out under ``skipped``.
Both are written under ``drill-<id>.md`` / ``.json`` (the id starts with the UTC start time,
``20260301T091500Z-3fa9c1``), so reports sort by date and two drills never collide. Nothing in
them is a secret: targets are redacted URLs, errors come from redacted wording, command lines
and their output are redacted, and the whole text goes through ``redact`` once more before it
is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.alerts import iso_time
from watchdog.drill.outcome import ChannelResult, CommandRun, Step
from watchdog.drill.report_markdown import report_markdown
from watchdog.drill.run import DrillRun
from watchdog.redact import redact

__all__ = ["REPORT_VERSION", "ReportPaths", "report_json", "report_markdown", "write_report"]

REPORT_VERSION = 2
"""2: steps carry ``at`` and ``target_seconds``; ``commands``, ``warnings``, ``skipped`` and
``interrupted`` were added. Version 1 reports remain readable by ``watchdog.drill.history``."""


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
        "interrupted": run.interrupted,
        "alert": {"labels": drill.labels, "annotations": drill.annotations},
        "stages": [
            {"stage": s.name, "title": s.title, "passed": s.passed, "summary": s.summary}
            for s in run.stages
        ],
        "skipped": [{"stage": s.name, "reason": s.reason} for s in run.skipped],
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
        "warnings": result.warnings,
        "steps": [_step_json(s) for s in result.steps],
        "commands": [_command_json(c) for c in result.commands],
    }


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "step": step.name,
        "ok": step.ok,
        "at": iso_time(step.at) if step.at is not None else None,
        "latency_seconds": _rounded(step.latency),
        "target_seconds": _rounded(step.target),
        "required": step.required,
        "detail": step.detail,
    }


def _command_json(command: CommandRun) -> dict[str, Any]:
    return {
        "purpose": command.purpose,
        "argv": list(command.argv),
        "started_at": iso_time(command.started_at),
        "exit_code": command.exit_code,
        "duration_seconds": _rounded(command.duration),
        "error": command.error,
        "output": command.output,
    }


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


def _rounded(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None
