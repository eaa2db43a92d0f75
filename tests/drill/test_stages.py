"""Drill stages: each applicable stage runs in order and reports in its own section."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from watchdog.config.load import load_config
from watchdog.config.model import LoadedConfig
from watchdog.drill.journal import journal_drill
from watchdog.drill.outcome import ChannelResult
from watchdog.drill.report import ReportPaths, write_report
from watchdog.drill.run import applicable_checks, run_drill
from watchdog.drill.stage import DrillContext, DrillJob
from watchdog.drill.stages import STAGES
from watchdog.journal import JOURNAL_FILE, Journal

ORDER: list[str] = []


class CheckStage:
    """A stage with ``checks`` checks; the one named ``crash`` raises."""

    unit = "checks"
    needs = "nothing"

    def __init__(self, name: str, checks: list[str]) -> None:
        self.name, self.title, self.checks = name, f"Stage {name}", checks

    def count(self, config: LoadedConfig) -> int:
        return len(self.checks)

    def jobs(self, ctx: DrillContext) -> list[DrillJob]:
        return [
            (ChannelResult(check, self.name, "here"), self._run(check)) for check in self.checks
        ]

    async def _run(self, check: str) -> None:
        ORDER.append(f"{self.name}/{check}")
        if check == "crash":
            raise RuntimeError("stage bug")


def _config(tmp_path: Path) -> LoadedConfig:
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump({"state_dir": str(tmp_path / "state")}))
    return load_config(path)


async def test_stages_run_in_order_and_report_in_their_sections(tmp_path: Path) -> None:
    """Stages that apply run one after the other; a crash fails only its own check."""
    ORDER.clear()
    first, empty, second = (
        CheckStage("one", ["a", "b"]),
        CheckStage("none", []),
        CheckStage("two", ["crash"]),
    )
    config = _config(tmp_path)
    assert applicable_checks(config, (first, empty, second)) == 3
    run = await run_drill(config, budget=1.0, stages=(first, empty, second))
    assert [s.name for s in run.stages] == ["one", "two"], "a stage with nothing to do is left out"
    assert ORDER[:2] == ["one/a", "one/b"] and ORDER[2] == "two/crash"
    crashed = run.stages[1].results[0]
    assert crashed.error == "drill: crashed: RuntimeError: stage bug"
    assert run.summary == "one: 0 of 2 checks passed; two: 0 of 1 checks passed"

    Journal(tmp_path / "state" / JOURNAL_FILE).close()
    paths = ReportPaths.for_drill(tmp_path / "drills", run.drill.id)
    journal = journal_drill(tmp_path / "state", run, paths.markdown)
    write_report(paths, run, config="c", journal=journal)
    doc = json.loads(paths.json.read_text())
    assert [(s["stage"], s["passed"]) for s in doc["stages"]] == [("one", False), ("two", False)]
    assert [c["stage"] for c in doc["channels"]] == ["one", "one", "two"]
    text = paths.markdown.read_text()
    assert text.index("## Stage one") < text.index("## Stage two") < text.index("## Steps")
    entries = Journal(tmp_path / "state" / JOURNAL_FILE, readonly=True).entries(kind="drill")
    assert [e.fields()["stage"] for e in entries] == ["one", "one", "two"]


def test_stages_are_registered_in_the_seed_order() -> None:
    """The seed's quarterly-dr-drill.sh order; only alerting takes its settings elsewhere."""
    assert [s.name for s in STAGES] == ["vault-restore", "log-failover", "ca-outage", "alerting"]
    assert [s.key for s in STAGES if s.settings is not None] == [
        "vault_restore",
        "log_failover",
        "ca_outage",
    ]
    alerting = STAGES[-1]
    assert (alerting.title, alerting.unit) == ("Channels", "channels")
