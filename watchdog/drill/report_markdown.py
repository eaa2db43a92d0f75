"""The drill report for people: per stage a table, the measurements against their targets, every
step with its time, the commands with their (trimmed) output, and what to do next."""

from __future__ import annotations

from watchdog.alerts import iso_time
from watchdog.drill.outcome import ACCEPTED, ChannelResult, CommandRun, Step, seconds
from watchdog.drill.run import DrillRun
from watchdog.drill.stage import StageResult
from watchdog.durations import format_duration

__all__ = ["report_markdown"]


def report_markdown(run: DrillRun, *, config: str, journal: str) -> str:
    """The whole Markdown text."""
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
    ]
    if run.interrupted:
        lines.append(f"- Interrupted by {run.interrupted}: the running stage undid its changes")
    lines += [f"- Not run: {s.name}: {s.reason}" for s in run.skipped]
    lines.append("")
    for stage in run.stages:
        lines += _stage_table(stage)
        lines += _measures(stage)
    lines += ["## Steps", ""]
    for result in run.results:
        lines += _steps(result)
    lines += ["## Summary", "", *_advice(run), ""]
    return "\n".join(lines)


def _stage_table(stage: StageResult) -> list[str]:
    first = "Channel" if stage.unit == "channels" else "Check"
    lines = [
        f"## {stage.title}",
        "",
        f"| {first} | Kind | Target | Outcome | Passed | Latency | Detail |",
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


def _measures(stage: StageResult) -> list[str]:
    rows = [(r, s) for r in stage.results for s in r.measures]
    if not rows:
        return []
    lines = [
        "Measured against targets:",
        "",
        "| Check | Measure | Measured | Target | Met |",
        "|---|---|---|---|---|",
    ]
    for result, step in rows:
        measured = seconds(step.latency) if step.latency is not None else "not reached"
        target = format_duration(step.target) if step.target is not None else "-"
        cells = [result.channel, step.name, measured, target, "yes" if step.ok else "**no**"]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*lines, ""]


def _steps(result: ChannelResult) -> list[str]:
    lines = [f"### {result.channel}", ""]
    lines += [_step_line(step) for step in result.steps]
    if result.commands:
        lines += ["", "Commands:", ""]
        for command in result.commands:
            lines += _command_lines(command)
    return [*lines, ""]


def _step_line(step: Step) -> str:
    mark = "ok" if step.ok else ("FAILED" if step.required else "failed, worked around")
    when = f"{iso_time(step.at)} " if step.at is not None else ""
    return f"- {when}{step.name}: {mark} ({' '.join(step.detail.split())})"


def _command_lines(command: CommandRun) -> list[str]:
    ending = command.error or f"exit {command.exit_code}"
    head = (
        f"- {command.purpose}: `{' '.join(command.argv)}` at {iso_time(command.started_at)}:"
        f" {ending} after {seconds(command.duration)}"
    )
    if not command.output:
        return [head]
    body = command.output.replace("```", "'''")
    return [head, "", "  ```", *(f"  {line}" for line in body.splitlines()), "  ```", ""]


def _advice(run: DrillRun) -> list[str]:
    notes: list[str] = []
    failed = [r for r in run.results if not r.passed]
    if run.passed:
        notes.append(
            "Every stage that ran met its targets. Record the figures and compare them with"
            " the last drill."
        )
    elif failed:
        names = ", ".join(r.channel for r in failed)
        notes.append(
            f"{len(failed)} check(s) failed: {names}. Each would fail in a real incident too:"
            " fix it (see its error above), then run the drill again. A failed `resolve` step"
            " may have left the drill alert open there: close it by hand (it is labelled"
            f' drill="{run.drill.id}").'
        )
    if run.interrupted:
        notes.append(
            f"The drill was interrupted by {run.interrupted}; check that every start command"
            " above ran (a start command the drill could not finish needs running by hand)."
        )
    unverified = [
        r for r in run.results if r.kind == "alertmanager" and r.outcome == ACCEPTED and r.passed
    ]
    if unverified:
        notes.append(
            "Accepted by Alertmanager, notification not verified: "
            + ", ".join(r.channel for r in unverified)
            + ". Alertmanager notifies after group_wait; run with --hold longer than it to"
            " see each replica send the drill alert to its receivers."
        )
    findings = [f"{r.channel}: {w}" for r in run.results for w in r.warnings]
    notes += [f"Finding: {finding}" for finding in findings]
    notes += [f"Not run: {s.name} ({s.reason})." for s in run.skipped]
    return [f"- {note}" for note in notes]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
