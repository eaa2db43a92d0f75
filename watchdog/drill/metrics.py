"""The daemon's ``watchdog_drill_*`` metrics: the last drill of each stage, read from the reports.

The drill runs as its own process; the daemon learns of it from the report files, so the
metrics survive restarts of both and need no coordination. Reports are only ever added (each
drill writes files named after its own id), so the reports are re-read only when the list of
report names changes: a scrape costs one directory listing in the usual case.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from watchdog.drill.history import DrillHistory, latest_per_stage
from watchdog.metrics import MetricsRegistry

__all__ = ["DrillMetrics"]

_LAST_RUN = "watchdog_drill_last_run_timestamp_seconds"
_SUCCESS = "watchdog_drill_stage_success"
_UNREADABLE = "watchdog_drill_reports_unreadable"


class DrillMetrics(Collector):
    """Collects the drill metrics from ``report_dir()`` at scrape time."""

    def __init__(self, registry: MetricsRegistry, report_dir: Callable[[], Path]) -> None:
        self._report_dir = report_dir
        self._lock = threading.Lock()
        self._seen: tuple[str, tuple[str, ...]] | None = None
        self._history = DrillHistory()
        registry.register(self)

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The families, without reading any report."""
        return self._families(DrillHistory())

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """The families, from the current reports."""
        return self._families(self.history())

    def history(self) -> DrillHistory:
        """The latest run per stage (re-read when the directory changed)."""
        directory = self._report_dir()
        try:
            names = tuple(sorted(p.name for p in directory.glob("drill-*.json")))
            key: tuple[str, tuple[str, ...]] | None = (str(directory), names)
        except OSError:
            key = None
        with self._lock:
            if key is None:
                self._seen, self._history = None, DrillHistory()
            elif key != self._seen:
                self._history = latest_per_stage(directory)
                self._seen = key
            return self._history

    @staticmethod
    def _families(history: DrillHistory) -> list[GaugeMetricFamily]:
        last_run = GaugeMetricFamily(
            _LAST_RUN,
            "Unix time the last drill of this stage finished (from the reports in the drill"
            " report directory).",
            labels=["stage"],
        )
        success = GaugeMetricFamily(
            _SUCCESS,
            "Whether the last drill of this stage met every target (1) or not (0).",
            labels=["stage"],
        )
        for name, run in sorted(history.stages.items()):
            last_run.add_metric([name], run.finished_at)
            success.add_metric([name], 1.0 if run.passed else 0.0)
        unreadable = GaugeMetricFamily(
            _UNREADABLE, "Drill report files that could not be read or parsed."
        )
        unreadable.add_metric([], float(len(history.unreadable)))
        return [last_run, success, unreadable]
