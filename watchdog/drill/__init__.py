"""``monitor-watchdog drill``: the quarterly DR drill of every alert channel, made real.

A clearly labelled test alert (``alertname="WatchdogDRDrill"``, ``severity="none"``,
``drill="<id>"``) goes through every configured channel independently: each Alertmanager
replica (posted, verified in its API, resolved), each emergency receiver (its real body
builder; PagerDuty triggered then resolved) and the outgoing heartbeat. The outcome is a dated
Markdown + JSON report, one journal entry per channel, and an exit code.
"""

from watchdog.drill.alert import DRILL_ALERTNAME, DrillAlert, new_drill
from watchdog.drill.journal import journal_drill
from watchdog.drill.outcome import ChannelResult, Step
from watchdog.drill.report import ReportPaths, report_json, report_markdown, write_report
from watchdog.drill.run import DrillRun, channel_count, run_drill

__all__ = [
    "DRILL_ALERTNAME",
    "ChannelResult",
    "DrillAlert",
    "DrillRun",
    "ReportPaths",
    "Step",
    "channel_count",
    "journal_drill",
    "new_drill",
    "report_json",
    "report_markdown",
    "run_drill",
    "write_report",
]
