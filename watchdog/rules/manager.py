"""The rule manager: one task per group, state kept across ``apply``, persisted, sent.

Groups come from rule files (``apply``) and from code (``add_builtin_groups``, e.g. delivery's
"incoming heartbeat missing" rule). Each evaluation advances alert states, writes series into
the store, hands due notifications to the ``AlertSink``, saves changed state and updates the
rule metrics. State changes are logged once each, not every evaluation.

A changed rule keeps its alerts (``carryover``); alerts of a removed rule, group or file are
retired and their resolves sent by one more task, so no alert sent as firing ends in silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from watchdog.alerts import AlertSink, AlertTransitionHook, Notification
from watchdog.clock import Clock, SystemClock
from watchdog.health import LoopHealth
from watchdog.logs import get_logger
from watchdog.promql import EvalLimits
from watchdog.rules.alerting import Alert, AlertState, Transition
from watchdog.rules.carryover import RetiredAlert, RetiredAlerts, carry_state
from watchdog.rules.events import RuleEvents
from watchdog.rules.group import EvalContext, GroupState, RuleStatus
from watchdog.rules.metrics import RuleMetrics
from watchdog.rules.model import RuleGroup
from watchdog.rules.persist import STATE_FILE, AlertStateStore, SavedAlert
from watchdog.rules.restore import restore_group
from watchdog.rules.retention import configure_store_retention
from watchdog.rules.schedule import eval_timestamp, next_evaluation
from watchdog.rules.sending import GeneratorLinks, due_alerts, to_notification
from watchdog.store import SampleStore

__all__ = ["RuleManager"]

SEND_TIMEOUT = 10.0
_RETIRED_TASK = " retired"
"""Task key of the loop that sends resolves of retired alerts (no group key starts with a
space)."""


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
        links: GeneratorLinks | None = None,
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
        self.links = links or GeneratorLinks()
        self.states: dict[str, GroupState] = {}
        self._retired = RetiredAlerts()
        self._retired_wake = asyncio.Event()
        self._file_groups: list[RuleGroup] = []
        self._builtin: list[RuleGroup] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running = False
        self._db = AlertStateStore(state_dir / STATE_FILE) if state_dir is not None else None
        self._saved: dict[str, list[SavedAlert]] = {}
        self._last_saved_eval: dict[str, float] = {}
        self.events = RuleEvents(metrics)
        self._log = get_logger("rules")

    @property
    def on_transition(self) -> AlertTransitionHook | None:
        """Told of every alert state change (the journal); set before ``start``."""
        return self.events.on_transition

    @on_transition.setter
    def on_transition(self, hook: AlertTransitionHook | None) -> None:
        self.events.on_transition = hook

    # -- configuration -------------------------------------------------------------------

    def configure(
        self,
        *,
        default_interval: float,
        external_labels: dict[str, str],
        external_url: str,
        resend_delay: float,
        limits: EvalLimits | None = None,
        links: GeneratorLinks | None = None,
    ) -> None:
        """Take new global settings (on reload); applied to groups by the next ``apply``."""
        self.default_interval = default_interval
        self.resend_delay = resend_delay
        self.links = links or GeneratorLinks()
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
        """Run exactly ``groups`` (plus built-ins, replaced when given).

        Rules keep their alert state by name (``carryover``); alerts of rules that are gone are
        retired, and their resolves go out at once.
        """
        self._file_groups = list(groups)
        if builtin is not None:
            self._builtin = list(builtin)
        now = self.clock.now()
        wanted = [g.with_interval(self.default_interval) for g in [*groups, *self._builtin]]
        new_states: dict[str, GroupState] = {}
        for group in wanted:
            old = self.states.get(group.key)
            if old is not None and old.group == group:
                new_states[group.key] = old
                continue
            state = GroupState(group)
            if old is not None:
                for status in carry_state(old, state):
                    self._retire(old.group.key, old.group.name, status, now)
            new_states[group.key] = state
        for key, old in self.states.items():
            if key not in new_states:
                for status in old.rules:
                    self._retire(key, old.group.name, status, now)
        for key in set(self._saved) - set(new_states):  # never evaluated since the restart
            self._retire_saved(key, self._saved.pop(key), now)
        kept = {source for state in new_states.values() for source in state.sources}
        for key, old in self.states.items():
            if new_states.get(key) is not old:
                self._stop_task(key)
                for source in set(old.sources) - kept:
                    self.store.drop_source(source, now)
                if key not in new_states:
                    self.health.forget(f"rules:{key}")
        self.states = new_states
        configure_store_retention(self.store, [s.group for s in new_states.values()])
        if self._db is not None and self._running:
            self._db.forget_groups(set(new_states) | self._retired.keys())
        if self._running:
            for key in new_states:
                self._start_task(key)
            self._retired_wake.set()

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
            now = self.clock.now()
            for key in set(self._saved) - set(self.states):  # removed while stopped
                self._retire_saved(key, self._saved.pop(key), now)
            self._db.forget_groups(set(self.states) | self._retired.keys())
        self._running = schedule
        for key in self.states if schedule else ():
            self._start_task(key)
        if schedule:
            self._tasks[_RETIRED_TASK] = asyncio.create_task(
                self._retired_loop(), name="rules:retired"
            )

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
            if report.restored or report.discarded or report.orphans:
                self._log.info(
                    "alert state restored",
                    group=key,
                    restored=report.restored,
                    discarded_pending_of_changed_rules=report.discarded,
                    retired_of_removed_rules=len(report.orphans),
                )
            self._retire_saved(key, list(report.orphans), ts)
        started = time.perf_counter()
        transitions: list[Transition] = []
        failures = 0
        for index in range(len(state.rules)):
            previous = set(state.rules[index].template_errors)
            changes, ok = state.evaluate_rule(index, ts, self.ctx)
            transitions.extend(changes)
            self.events.template_errors(key, state.rules[index], previous)
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
            self.events.transition(key, change, ts)
        await self._send(state, ts)
        await self._send_retired_of(key, ts)
        self._persist(key, ts)
        self._count_alerts()

    async def _send(self, state: GroupState, ts: float) -> None:
        notes = []
        for status in state.rules:
            if status.alerts is None:
                continue
            for alert in due_alerts(
                status.alerts.alerts(include_inactive=True), ts, self.resend_delay, state.interval
            ):
                notes.append(self._notification(alert, state.group.key, state.group.name, status))
        await self._deliver(state.group.key, notes)

    def _notification(
        self, alert: Alert, key: str, group_name: str, status: RuleStatus
    ) -> Notification:
        return to_notification(
            alert,
            group=key,
            external_labels=self.ctx.external_labels,
            generator_url=self.links.link(group_name, status.rule.name, status.rule.expr),
        )

    async def _deliver(self, key: str, notes: list[Notification]) -> bool:
        """Hand ``notes`` to the sink; False when it failed (logged, evaluation goes on)."""
        if not notes:
            return True
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                await self.sink.send(key, notes)
        except Exception:  # delivery trouble must never stop evaluation
            self._log.exception("alert sink failed", group=key, alerts=len(notes))
            return False
        return True

    def firing_notifications(self) -> list[Notification]:
        """Every firing alert that has been sent, as a notification (the current picture)."""
        notes = []
        for state in self.states.values():
            for status in state.rules:
                for alert in status.alerts.alerts() if status.alerts is not None else ():
                    if alert.state is AlertState.FIRING and alert.last_sent_at is not None:
                        notes.append(
                            self._notification(alert, state.group.key, state.group.name, status)
                        )
        return notes

    # -- retired alerts (their rule is gone) -----------------------------------------------

    def _retire(self, key: str, group_name: str, status: RuleStatus, ts: float) -> None:
        if status.alerts is None:
            return
        rule = status.rule
        changes = self._retired.retire(
            key,
            group_name,
            rule.name,
            rule.definition(),
            rule.expr,
            list(status.alerts.active.values()),
            ts,
        )
        self.events.retired(key, rule.name, changes, ts)

    def _retire_saved(self, key: str, saved: list[SavedAlert], ts: float) -> None:
        for item in saved:
            changes = self._retired.retire(
                key, key.rpartition(";")[2], item.rule, item.definition, "", [item.alert], ts
            )
            self.events.retired(key, item.rule, changes, ts)

    async def send_retired(self, ts: float) -> None:
        """Send the due resolves of retired alerts, persist them, drop finished ones."""
        for key in sorted(self._retired.keys()):
            await self._send_retired_of(key, ts)
            self._persist(key, ts)
        if self._db is not None and self._running:
            try:
                self._db.forget_groups(set(self.states) | self._retired.keys())
            except Exception:  # a full disk must not stop alerting
                self._log.exception("cannot persist alert state")

    async def _send_retired_of(self, key: str, ts: float) -> None:
        due = self._retired.due(key, ts, self.resend_delay, self.default_interval)
        notes = [self._retired_notification(key, item) for item in due]
        if not await self._deliver(key, notes):
            RetiredAlerts.undo(due)
        self._retired.prune(key, ts)

    def _retired_notification(self, key: str, item: RetiredAlert) -> Notification:
        return to_notification(
            item.alert,
            group=key,
            external_labels=self.ctx.external_labels,
            generator_url=self.links.link(item.group_name, item.rule, item.expr)
            if item.expr
            else "",
        )

    async def _retired_loop(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and stop() would wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.default_interval):
                    await self._retired_wake.wait()
            self._retired_wake.clear()
            try:
                await self.send_retired(self.clock.now())
            except Exception:  # a bug here must not end the resend of resolves
                self._log.exception("sending resolves of retired alerts failed")

    # -- persistence -----------------------------------------------------------------------

    def _persist(self, key: str, ts: float) -> None:
        if self._db is None:
            return
        state = self.states.get(key)
        rows = [(r.rule, r.definition, r.alert) for r in self._retired.of(key)]
        rows += [
            (status.rule.name, status.rule.definition(), alert)
            for status in (state.rules if state is not None else ())
            if status.alerts is not None
            for alert in status.alerts.alerts(include_inactive=True)
        ]
        try:
            self._db.save_if_changed(key, ts, rows)
        except Exception:  # a full disk must not stop alerting; the log says state is at risk
            self._log.exception("cannot persist alert state", group=key)

    def _count_alerts(self) -> None:
        counts = {"pending": 0, "firing": 0}
        for state in self.states.values():
            for status in state.rules:
                for alert in status.alerts.alerts() if status.alerts else ():
                    counts[alert.state.value] += 1
        for name, count in counts.items():
            self.metrics.alerts.labels(name).set(count)
