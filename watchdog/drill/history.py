"""The latest drill result per stage, read from the JSON reports in the report directory.

For the daemon's ``watchdog_drill_*`` metrics and anything that shows "last drill per stage,
result, age" (a status page). Reports are named ``drill-<UTC start>-<random>.json``, so the
newest sort last; they are read newest first until every stage has been seen, at most
``max_reports`` of them. A report that cannot be read or parsed is counted, never fatal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["DrillHistory", "StageRun", "latest_per_stage"]

_MAX_REPORT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class StageRun:
    """One stage's outcome in one drill."""

    stage: str
    drill: str
    finished_at: float
    """Unix time the drill finished."""
    passed: bool
    summary: str
    report: Path


@dataclass(frozen=True)
class DrillHistory:
    """The newest run of every stage found, and the report files that could not be read."""

    stages: dict[str, StageRun] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    """``file: reason`` for each report that was skipped."""


def latest_per_stage(directory: Path, *, max_reports: int = 100) -> DrillHistory:
    """Read the newest reports in ``directory`` (missing directory: empty history)."""
    try:
        names = sorted((e.name for e in os.scandir(directory) if _is_report(e.name)), reverse=True)
    except FileNotFoundError:
        return DrillHistory()
    except OSError as exc:
        return DrillHistory(unreadable=[f"{directory}: {exc.strerror or exc}"])
    stages: dict[str, StageRun] = {}
    unreadable: list[str] = []
    for name in names[:max_reports]:
        path = directory / name
        try:
            runs = _stage_runs(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            unreadable.append(f"{path}: {exc}")
            continue
        for run in runs:
            stages.setdefault(run.stage, run)
    return DrillHistory(stages, unreadable)


def _is_report(name: str) -> bool:
    return name.startswith("drill-") and name.endswith(".json")


def _stage_runs(path: Path) -> list[StageRun]:
    with path.open("rb") as handle:
        raw = handle.read(_MAX_REPORT_BYTES + 1)
    if len(raw) > _MAX_REPORT_BYTES:
        raise ValueError(f"over {_MAX_REPORT_BYTES} bytes: not a drill report")
    doc: Any = json.loads(raw)
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), list):
        raise ValueError("no stages list: not a drill report")
    finished = datetime.fromisoformat(str(doc["finished_at"]).replace("Z", "+00:00"))
    runs = []
    for entry in doc["stages"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("stage"), str):
            raise ValueError("a stage entry without a name")
        runs.append(
            StageRun(
                stage=entry["stage"],
                drill=str(doc.get("drill", "")),
                finished_at=finished.timestamp(),
                passed=entry.get("passed") is True,
                summary=str(entry.get("summary", "")),
                report=path,
            )
        )
    return runs
