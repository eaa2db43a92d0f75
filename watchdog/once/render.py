"""The verdict (exit code and why), the tables for people and the JSON for machines.

Exit codes (the same in both outputs):

* **0** — every target answered and is healthy (``probe_success`` 1), no alert would fire, and
  every rule could be evaluated. Pending alerts alone do not change it: ``for`` exists so that
  a condition must last before it pages.
* **1** — attention needed: an alert would fire, a target is down or failing, or a rule could
  not be evaluated. A down target counts even while its alert is still pending: a one-shot
  check must not stay green because ``for`` was not waited out.
* **2** — the config or a rule file is invalid (``watchdog.commands.once``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from watchdog.alerts import iso_time
from watchdog.durations import format_duration
from watchdog.once.evaluate import FIRING, PENDING, RESOLVED, AlertVerdict, Evaluation
from watchdog.once.run import TargetResult

__all__ = ["JSON_VERSION", "Verdict", "judge", "render_json", "render_table"]

JSON_VERSION = 1
_CELL_LIMIT = 60
_COLORS = {"red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


Painter = Callable[[str, str], str]
Cell = str | tuple[str, str]
"""A table cell: plain text, or (colour, text)."""


@dataclass(frozen=True)
class Verdict:
    """The exit code and the reasons for it."""

    code: int
    reasons: list[str]


def judge(targets: Sequence[TargetResult], evaluation: Evaluation) -> Verdict:
    """0 when all is well, 1 when something needs attention (see the module docstring)."""
    counts = {
        "alert(s) would fire": sum(a.state == FIRING for a in evaluation.alerts),
        "target(s) down": sum(t.health == "down" for t in targets),
        "target(s) failing": sum(t.health == "failing" for t in targets),
        "rule(s) could not be evaluated": len(evaluation.problems),
    }
    reasons = [f"{count} {what}" for what, count in counts.items() if count]
    if reasons:
        return Verdict(1, reasons)
    return Verdict(0, ["all targets healthy, no alert would fire"])


def render_json(
    targets: Sequence[TargetResult],
    evaluation: Evaluation,
    verdict: Verdict,
    notes: Sequence[str],
    config: str,
) -> str:
    """The whole result as one JSON document (``--json``)."""
    doc: dict[str, Any] = {
        "version": JSON_VERSION,
        "config": config,
        "evaluated_at": iso_time(evaluation.ts),
        "exit_code": verdict.code,
        "healthy": verdict.code == 0,
        "reasons": verdict.reasons,
        "targets": [_target_json(t) for t in targets],
        "alerts": [_alert_json(a) for a in evaluation.alerts],
        "rules": {
            "groups": evaluation.groups,
            "rules": evaluation.rules,
            "errors": [
                {"group": p.group, "rule": p.rule, "error": p.error} for p in evaluation.problems
            ],
            "reading_history": evaluation.history_rules,
            "saved_state": evaluation.saved_note,
        },
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2, sort_keys=False)


def _target_json(result: TargetResult) -> dict[str, Any]:
    spec, outcome = result.spec, result.outcome
    return {
        "job": spec.job,
        "instance": spec.instance,
        "kind": spec.kind,
        "health": result.health,
        "up": outcome.up,
        "probe_success": outcome.success,
        "duration_seconds": round(outcome.duration, 6),
        "facts": dict(outcome.facts),
        "error": outcome.error,
    }


def _alert_json(alert: AlertVerdict) -> dict[str, Any]:
    return {
        "alertname": alert.alertname,
        "state": alert.state,
        "would_fire": alert.state == FIRING,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "value": alert.value,
        "group": alert.group,
        "for_seconds": alert.for_,
        "active_since": iso_time(alert.active_since) if alert.active_since is not None else None,
        "remaining_seconds": round(alert.remaining, 3),
        "from_saved_state": alert.from_saved_state,
        "rechecked": alert.rechecked,
        "reason": alert.reason,
    }


def render_table(
    targets: Sequence[TargetResult],
    evaluation: Evaluation,
    verdict: Verdict,
    notes: Sequence[str],
    *,
    color: bool,
) -> str:
    """Targets, alerts, rules, notes and the result, for a terminal."""
    paint = _painter(color)
    health = {h: sum(t.health == h for t in targets) for h in ("up", "failing", "down")}
    lines = [
        paint(
            "bold",
            f"TARGETS ({len(targets)}: " + ", ".join(f"{n} {h}" for h, n in health.items()) + ")",
        )
    ]
    state_color = {"up": "green", "failing": "yellow", "down": "red"}
    rows: list[list[Cell]] = [
        [
            t.spec.job,
            t.spec.instance,
            t.spec.kind,
            (state_color[t.health], t.health),
            str(int(t.outcome.success)),
            _duration(t.outcome.duration),
            _clip(", ".join(f"{k}={v}" for k, v in t.outcome.facts.items())),
            t.outcome.error or "",
        ]
        for t in targets
    ]
    headers = ["JOB", "INSTANCE", "KIND", "STATE", "SUCCESS", "DURATION", "FACTS", "ERROR"]
    lines += _table(headers, rows, paint)
    tally = {s: sum(a.state == s for a in evaluation.alerts) for s in (FIRING, PENDING, RESOLVED)}
    lines += [
        "",
        paint(
            "bold",
            f"ALERTS ({tally[FIRING]} would fire, {tally[PENDING]} pending,"
            f" {tally[RESOLVED]} would resolve)",
        ),
    ]
    if evaluation.alerts:
        alert_rows: list[list[Cell]] = [
            [a.alertname, _state_cell(a), _labels(a.labels), _clip(_summary(a)), a.reason]
            for a in evaluation.alerts
        ]
        lines += _table(["ALERT", "STATE", "LABELS", "SUMMARY", "WHY"], alert_rows, paint)
    else:
        lines.append("none")
    lines += ["", *_rule_lines(evaluation, paint)]
    if notes:
        lines += ["", paint("bold", "NOTES"), *(f"- {n}" for n in notes)]
    outcome = f"exit {verdict.code}: " + "; ".join(verdict.reasons)
    lines += ["", paint("red" if verdict.code else "green", outcome)]
    return "\n".join(lines)


def _rule_lines(evaluation: Evaluation, paint: Painter) -> list[str]:
    lines = [
        paint(
            "bold",
            f"RULES ({evaluation.groups} groups, {evaluation.rules} rules,"
            f" evaluated at {iso_time(evaluation.ts)})",
        ),
        f"saved state: {evaluation.saved_note}",
    ]
    for problem in evaluation.problems:
        lines.append(paint("red", f"error: rule {problem.rule} ({problem.group}): {problem.error}"))
    if evaluation.history_rules:
        names = ", ".join(sorted(set(evaluation.history_rules)))
        lines.append(
            f"reading history (one sample per series may be too little to return anything): {names}"
        )
    return lines


def _state_cell(alert: AlertVerdict) -> tuple[str, str]:
    if alert.state == FIRING:
        return ("red", "WOULD FIRE")
    if alert.state == RESOLVED:
        return ("green", "would resolve")
    if alert.from_saved_state:
        left = format_duration(round(alert.remaining))
        return ("yellow", f"pending ({left} to go)")
    return ("yellow", f"pending (needs {format_duration(alert.for_)})")


def _labels(labels: dict[str, str]) -> str:
    shown = [(k, v) for k, v in labels.items() if k != "alertname"]
    shown.sort(key=lambda kv: (kv[0] != "severity", kv[0]))
    return _clip(",".join(f"{k}={v}" for k, v in shown), 80)


def _summary(alert: AlertVerdict) -> str:
    return alert.annotations.get("summary") or alert.annotations.get("description") or ""


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"


def _clip(text: str, limit: int = _CELL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(headers: list[str], rows: list[list[Cell]], paint: Painter) -> list[str]:
    """Left-aligned columns two spaces apart; the last column is not padded."""
    plain = [[c[1] if isinstance(c, tuple) else c for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in plain)]) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            text = cell[1] if isinstance(cell, tuple) else cell
            padded = text if index == len(row) - 1 else text.ljust(widths[index])
            cells.append(paint(cell[0], padded) if isinstance(cell, tuple) else padded)
        out.append("  ".join(cells).rstrip())
    return out


def _painter(color: bool) -> Painter:
    def paint(name: str, text: str) -> str:
        return f"{_COLORS[name]}{text}{_RESET}" if color else text

    return paint
