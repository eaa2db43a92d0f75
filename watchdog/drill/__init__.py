"""``monitor-watchdog drill``: the quarterly DR drill, made real, in stages.

The drill runs every stage in ``STAGES`` that the config gives something to do (``stage``
says what a stage is). The ``alerting`` stage sends a clearly labelled test alert
(``alertname="WatchdogDRDrill"``, ``severity="none"``, ``drill="<id>"``) through every
configured channel independently: each Alertmanager replica (posted, verified in its API,
resolved), each emergency receiver (its real body builder; triggered then resolved where the
kind can resolve) and the outgoing heartbeat. The outcome is a dated Markdown + JSON report,
one journal entry per channel or check, and an exit code.
"""

from watchdog.drill.alert import DRILL_ALERTNAME, DrillAlert, new_drill
from watchdog.drill.journal import journal_drill
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.report import ReportPaths, report_json, report_markdown, write_report
from watchdog.drill.run import DrillRun, applicable_checks, run_drill
from watchdog.drill.stage import DrillContext, DrillJob, DrillStage, StageResult
from watchdog.drill.stages import STAGES

__all__ = [
    "DRILL_ALERTNAME",
    "STAGES",
    "ChannelResult",
    "DrillAlert",
    "DrillContext",
    "DrillJob",
    "DrillRun",
    "DrillStage",
    "ReportPaths",
    "StageResult",
    "Step",
    "applicable_checks",
    "journal_drill",
    "new_drill",
    "report_json",
    "report_markdown",
    "run_drill",
    "write_report",
]
