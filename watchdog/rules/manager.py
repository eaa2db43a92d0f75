"""The rule manager: one task per group, state kept across ``apply``, persisted, sent.

Groups come from rule files (``apply``) and from code (``add_builtin_groups``, e.g. delivery's
"incoming heartbeat missing" rule). Each evaluation advances alert states, writes series into
the store, hands due notifications to the ``AlertSink``, saves changed state and updates the
rule metrics. State changes are logged once each, not every evaluation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from watchdog.alerts import AlertSink, AlertTransitionHook
from watchdog.clock import Clock, SystemClock
from watchdog.health import LoopHealth
from watchdog.logs import get_logger
from watchdog.promql import EvalLimits
from watchdog.rules.alerting import AlertState, Transition
from watchdog.rules.group import EvalContext, GroupState, RuleStatus
from watchdog.rules.metrics import RuleMetrics
from watchdog.rules.model import RuleGroup
from watchdog.rules.persist import STATE_FILE, AlertStateStore, SavedAlert
from watchdog.rules.restore import restore_group
from watchdog.rules.retention import configure_store_retention
from watchdog.rules.schedule import eval_timestamp, next_evaluation
from watchdog.rules.sending import due_alerts, to_notification
from watchdog.store import SampleStore

__all__ = ["RuleManager"]

SEND_TIMEOUT = 10.0


class RuleManager:
    """Evaluates rule groups on their schedules."""

    def __init__(
        self,
        *,
        store: SampleStore,
        sink: AlertSink,
        metrics: RuleMetrics,
        health: LoopHealth | None = None,
        clock: Clock | None = None,
        default_interval: float = 15.0,
        external_labels: dict[str, str] | None = None,
        external_url: str = "",
        resend_delay: float = 60.0,
        state_dir: Path | None = None,
        restore_hold: float = 0.0,
        limits: EvalLimits | None = None,
    ) -> None:
        self.store = store
        self.sink = sink
        self.metrics = metrics
        self.health = health or LoopHealth()
        self.clock = clock or SystemClock()
        self.default_interval = default_interval
        self.resend_delay = resend_delay
        self.restore_hold = restore_hold
        self.ctx = EvalContext(
            store, dict(external_labels or {}), external_url, limits=limits or EvalLimits()
        )
        self.states: dict[str, GroupState] = {}
        self._file_groups: list[RuleGroup] = []
        self._builtin: list[RuleGroup] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running = False
        self._db = AlertStateStore(state_dir / STATE_FILE) if state_dir is not None else None
        self._saved: dict[str, list[SavedAlert]] = {}
        self._last_saved_eval: dict[str, float] = {}
        self._signatures: dict[str, object] = {}
        self.on_transition: AlertTransitionHook | None = None
        """Told of every alert state change (the journal); set before ``start``."""
        self._log = get_logger("rules")

    # -- configuration -------------------------------------------------------------------

    def configure(
        self,
        *,
        default_interval: float,
        external_labels: dict[str, str],
        external_url: str,
        resend_delay: float,
        limits: EvalLimits | None = None,
    ) -> None:
        """Take new global settings (on reload); applied to groups by the next ``apply``."""
        self.default_interval = default_interval
        self.resend_delay = resend_delay
        self.ctx = EvalContext(
            self.store, dict(external_labels), external_url, limits=limits or EvalLimits()
        )

    @property
    def file_groups(self) -> list[RuleGroup]:
        """The groups from rule files (not the built-in ones), as last applied."""
        return list(self._file_groups)

    def add_builtin_groups(self, groups: Iterable[RuleGroup]) -> None:
        """Add groups defined in code next to the rule files' groups.

        Call before ``start`` so that their persisted alert state is restored.
        """
        self._builtin.extend(groups)
        self.apply(self._file_groups)

    def apply(
        self, groups: Sequence[RuleGroup], builtin: Sequence[RuleGroup] | None = None
    ) -> None:
        """Run exactly ``groups`` (plus built-ins, replaced when given); unchanged rules keep
        their alert state."""
        self._file_groups = list(groups)
        if builtin is not None:
            self._builtin = list(builtin)
        wanted = [g.with_interval(self.default_interval) for g in [*groups, *self._builtin]]
        new_states: dict[str, GroupState] = {}
        for group in wanted:
            old = self.states.get(group.key)
            if old is not None and old.group == group:
                new_states[group.key] = old
                continue
            state = GroupState(group)
            if old is not None:
                _copy_state(old, state)
            new_states[group.key] = state
        kept = {source for state in new_states.values() for source in state.sources}
        for key, old in self.states.items():
            if new_states.get(key) is not old:
                self._stop_task(key)
                for source in set(old.sources) - kept:
                    self.store.drop_source(source, self.clock.now())
                if key not in new_states:
                    self.health.forget(f"rules:{key}")
        self.states = new_states
        configure_store_retention(self.store, [s.group for s in new_states.values()])
        if self._db is not None and self._running:
            self._db.forget_groups(new_states)
        if self._running:
            for key in new_states:
                self._start_task(key)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, *, schedule: bool = True) -> None:
        """Load persisted state and start one task per group.

        ``schedule=False`` loads state only; the caller drives ``evaluate_group`` (tests,
        ``test rules``-style runs with an explicit clock).
        """
        if self._db is not None:
            saved, self._last_saved_eval = self._db.load()
            for item in saved:
                self._saved.setdefault(item.group_key, []).append(item)
            self._db.forget_groups(self.states)
        self._running = schedule
        for key in self.states if schedule else ():
            self._start_task(key)

    async def stop(self) -> None:
        """Cancel every group task; the state on disk is already current."""
        self._running = False
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._db is not None:
            self._db.close()
            self._db = None

    def _start_task(self, key: str) -> None:
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._loop(key), name=f"rules:{key}")

    def _stop_task(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    async def _loop(self, key: str) -> None:
        state = self.states[key]
        interval = state.interval
        self.health.tick(f"rules:{key}", within=3 * interval)
        ts = eval_timestamp(self.clock.now(), key, interval) + interval
        while True:
            await asyncio.sleep(max(0.0, ts - self.clock.now()))
            self.metrics.rule_group_iterations.labels(key).inc()
            await self.evaluate_group(key, ts)
            self.health.tick(f"rules:{key}", within=3 * interval)
            ts, missed = next_evaluation(ts, self.clock.now(), interval)
            if missed:
                self.metrics.rule_group_missed.labels(key).inc(missed)
                self.metrics.rule_group_iterations.labels(key).inc(missed)

    # -- one evaluation ------------------------------------------------------------------

    async def evaluate_group(self, key: str, ts: float) -> None:
        """Evaluate group ``key`` at ``ts``: rules, sending, persistence, metrics, logs."""
        state = self.states[key]
        if key in self._saved:
            report = restore_group(
                state,
                self._saved.pop(key, []),
                self._last_saved_eval.get(key),
                ts,
                max(self.restore_hold, 3 * state.interval),
            )
            if report.restored or report.discarded:
                self._log.info(
                    "alert state restored",
                    group=key,
                    restored=report.restored,
                    discarded_changed_rules=report.discarded,
                )
        started = time.perf_counter()
        transitions: list[Transition] = []
        failures = 0
        for index in range(len(state.rules)):
            previous = set(state.rules[index].template_errors)
            changes, ok = state.evaluate_rule(index, ts, self.ctx)
            transitions.extend(changes)
            self._note_template_errors(key, state.rules[index], previous)
            if not ok:
                failures += 1
                status = state.rules[index]
                self._log.warning(
                    "rule evaluation failed",
                    group=key,
                    rule=status.rule.name,
                    error=status.last_error,
                )
            await asyncio.sleep(0)  # let probes run between rules of a large group
        duration = time.perf_counter() - started
        state.finish(ts, duration)
        self.metrics.rule_group_duration.labels(key).set(duration)
        self.metrics.rule_group_last_evaluation.labels(key).set(ts)
        if failures:
            self.metrics.rule_evaluation_failures.labels(key).inc(failures)
        for change in transitions:
            self._log_transition(key, change, ts)
        await self._send(state, ts)
        self._persist(state, ts)
        self._count_alerts()

    def _note_template_errors(self, key: str, status: RuleStatus, previous: set[str]) -> None:
        """Count failed expansions; log when a label or annotation starts or stops failing."""
        if status.template_failures:
            self.metrics.rule_template_failures.labels(key).inc(status.template_failures)
        for where, error in status.template_errors.items():
            if where not in previous:
                self._log.warning(
                    "template expansion failed; the alert fires with the error text",
                    group=key,
                    rule=status.rule.name,
                    template=where,
                    error=error,
                )
        for where in sorted(previous - set(status.template_errors)):
            self._log.info(
                "template expansion recovered", group=key, rule=status.rule.name, template=where
            )

    async def _send(self, state: GroupState, ts: float) -> None:
        notes = []
        for status in state.rules:
            if status.alerts is None:
                continue
            for alert in due_alerts(
                status.alerts.alerts(include_inactive=True), ts, self.resend_delay, state.interval
            ):
                notes.append(
                    to_notification(
                        alert,
                        group=state.group.key,
                        expr=status.rule.expr,
                        external_labels=self.ctx.external_labels,
                        external_url=self.ctx.external_url,
                    )
                )
        if not notes:
            return
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                await self.sink.send(state.group.key, notes)
        except Exception:  # delivery trouble must never stop evaluation
            self._log.exception("alert sink failed", group=state.group.key, alerts=len(notes))

    def _persist(self, state: GroupState, ts: float) -> None:
        if self._db is None:
            return
        rows = [
            (status.rule.name, status.rule.definition(), alert)
            for status in state.rules
            if status.alerts is not None
            for alert in status.alerts.alerts(include_inactive=True)
        ]
        signature = [
            (
                name,
                a.labels,
                a.state,
                a.active_at,
                a.fired_at,
                a.resolved_at,
                a.last_sent_at,
                a.keep_firing_since,
            )
            for name, _, a in rows
        ]
        key = state.group.key
        try:
            if signature != self._signatures.get(key):
                self._db.save_group(key, ts, rows)
                self._signatures[key] = signature
            elif rows:
                self._db.touch(key, ts)
        except Exception:  # a full disk must not stop alerting; the log says state is at risk
            self._log.exception("cannot persist alert state", group=key)

    def _log_transition(self, key: str, change: Transition, ts: float) -> None:
        labels = dict(change.labels)
        event = {
            AlertState.PENDING: "alert pending",
            AlertState.FIRING: "alert firing",
        }.get(change.current, "alert resolved")
        if change.previous is AlertState.PENDING and change.current is AlertState.INACTIVE:
            event = "alert pending cleared"
        log = self._log.warning if change.current is AlertState.FIRING else self._log.info
        log(
            event,
            group=key,
            alertname=labels.get("alertname", ""),
            labels=labels,
            value=change.value,
        )
        if self.on_transition is not None:
            try:
                self.on_transition(
                    group=key,
                    alertname=labels.get("alertname", ""),
                    labels=labels,
                    previous=change.previous.value,
                    current=change.current.value,
                    at=ts,
                )
            except Exception:  # the journal's trouble must never stop evaluation
                self._log.exception("alert transition hook failed", group=key)

    def _count_alerts(self) -> None:
        counts = {"pending": 0, "firing": 0}
        for state in self.states.values():
            for status in state.rules:
                for alert in status.alerts.alerts() if status.alerts else ():
                    counts[alert.state.value] += 1
        for name, count in counts.items():
            self.metrics.alerts.labels(name).set(count)


def _copy_state(old: GroupState, new: GroupState) -> None:
    """Carry alert state and health over for rules whose definition is unchanged."""
    available: dict[tuple[str, str], list[int]] = {}
    for index, status in enumerate(old.rules):
        available.setdefault((status.rule.kind, status.rule.definition()), []).append(index)
    for status in new.rules:
        indexes = available.get((status.rule.kind, status.rule.definition()))
        if not indexes:
            continue
        previous = old.rules[indexes.pop(0)]
        status.alerts = previous.alerts
        status.health, status.last_error = previous.health, previous.last_error
        status.last_evaluation = previous.last_evaluation
    new.last_eval_ts = old.last_eval_ts
