"""Resolve never lost: rule edits carry alerts by name; removed rules end with a resolve."""

from __future__ import annotations

from collections.abc import Sequence

from tests.rules.conftest import ManagerFactory, RecordingSink, groups_from
from watchdog.alerts import Notification
from watchdog.rules.alerting import RESOLVED_RETENTION
from watchdog.rules.manager import RuleManager
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

KEY = "rules.yml;g"
OTHER = "rules.yml;other"
RULES = """
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 20s
        labels: {severity: page}
      - alert: Also
        expr: up == 0
  - name: other
    rules:
      - alert: Elsewhere
        expr: up == 0
"""
UP = LabelSet({"__name__": "up", "job": "x", "instance": "i"})


async def run(
    manager: RuleManager,
    start: float,
    end: float,
    keys: Sequence[str] = (KEY,),
    up: float | None = 0.0,
) -> None:
    """Every 10 s from ``start`` to ``end``: scrape ``up`` (unless None), evaluate ``keys``."""
    t = start
    while t <= end:
        if up is not None:
            manager.store.ingest("target", t, {UP: up})
        for key in keys:
            await manager.evaluate_group(key, t)
        t += 10


def sent(sink: RecordingSink, name: str) -> list[tuple[str, float]]:
    """(status, endsAt) of every notification for alert ``name``, in order."""
    return [(n.status, n.ends_at) for n in sink.all() if n.alertname == name]


def states(manager: RuleManager, key: str = KEY) -> dict[str, tuple[str, dict[str, str]]]:
    """Alert name -> (state, labels) of every alert in group ``key``."""
    out = {}
    for status in manager.states[key].rules:
        for alert in status.alerts.alerts(include_inactive=True) if status.alerts else ():
            out[status.rule.name] = (alert.state.value, dict(alert.labels))
    return out


async def firing_manager(make_manager: ManagerFactory, sink: RecordingSink) -> RuleManager:
    """A manager whose three alerts fired at 20 s (Down) and 0 s (Also, Elsewhere)."""
    store = SampleStore()
    manager = make_manager(store, sink, RULES)
    await manager.start(schedule=False)
    await run(manager, 0, 30, keys=(KEY, OTHER))
    assert sent(sink, "Down") == [("firing", 20 + 240)]
    return manager


async def test_expr_change_keeps_the_alert_firing_until_the_new_expr_drops_it(
    make_manager: ManagerFactory,
) -> None:
    """An edited expr keeps the firing alert (same startsAt); when the new expression no
    longer returns it, the next evaluation sends its resolve."""
    sink = RecordingSink()
    manager = await firing_manager(make_manager, sink)
    manager.apply(
        groups_from(RULES.replace("expr: up == 0\n        for", "expr: up < 1\n        for"))
    )
    await run(manager, 40, 40)
    assert states(manager)["Down"][0] == "firing"
    manager.apply(
        groups_from(RULES.replace("expr: up == 0\n        for", "expr: up > 5\n        for"))
    )
    await run(manager, 50, 50)
    assert sent(sink, "Down")[-1] == ("resolved", 50)
    assert [n.starts_at for n in sink.all() if n.alertname == "Down"] == [20, 20]
    await manager.stop()


async def test_labels_change_resolves_the_old_alert_and_fires_the_new_one(
    make_manager: ManagerFactory,
) -> None:
    """A changed rule label makes a new alert; the old label set gets its resolve."""
    sink = RecordingSink()
    manager = await firing_manager(make_manager, sink)
    manager.apply(groups_from(RULES.replace("severity: page", "severity: critical")))
    await run(manager, 40, 60)
    downs = [(n.status, n.labels["severity"]) for n in sink.all() if n.alertname == "Down"]
    assert downs == [("firing", "page"), ("resolved", "page"), ("firing", "critical")]
    await manager.stop()


async def test_for_change_keeps_a_firing_alert_firing_and_it_resolves_later(
    make_manager: ManagerFactory,
) -> None:
    """A longer ``for`` does not send a firing alert back to pending; its resolve still comes."""
    sink = RecordingSink()
    manager = make_manager(SampleStore(), sink, RULES)
    await manager.start(schedule=False)
    await run(manager, 0, 30)
    manager.apply(groups_from(RULES.replace("for: 20s", "for: 5m")))
    await run(manager, 40, 40)
    assert states(manager)["Down"][0] == "firing"
    await run(manager, 50, 50, up=1.0)
    assert sent(sink, "Down") == [("firing", 260), ("resolved", 50)]
    await manager.stop()


async def test_removed_rule_sends_its_resolve_at_once_and_repeats_it_for_15_minutes(
    make_manager: ManagerFactory,
) -> None:
    """A rule removed on reload: its firing alert is resolved at the reload time, the resolve
    re-sent every resend delay (like any resolved alert) until 15 minutes have passed."""
    sink = RecordingSink()
    manager = await firing_manager(make_manager, sink)
    manager.clock = _Clock(35.0)
    manager.apply(groups_from(RULES.replace("      - alert: Also\n        expr: up == 0\n", "")))
    assert sent(sink, "Also") == [("firing", 240)]  # nothing yet: sent by send_retired
    await manager.send_retired(35.0)
    assert sent(sink, "Also")[-1] == ("resolved", 35.0)
    await manager.send_retired(36.0)
    assert len(sent(sink, "Also")) == 2, "not again before the resend delay"
    await manager.send_retired(35.0 + 61)
    assert sent(sink, "Also")[-1] == ("resolved", 35.0)
    await manager.send_retired(35.0 + RESOLVED_RETENTION + 61)
    count = len(sent(sink, "Also"))
    await manager.send_retired(35.0 + RESOLVED_RETENTION + 200)
    assert len(sent(sink, "Also")) == count, "dropped once its 15 minutes are over"
    await manager.stop()


async def test_removed_group_and_removed_file_resolve_every_firing_alert(
    make_manager: ManagerFactory,
) -> None:
    """Every alert of a removed group (or of every group of a removed file) is resolved."""
    sink = RecordingSink()
    manager = await firing_manager(make_manager, sink)
    manager.clock = _Clock(35.0)
    manager.apply(groups_from(RULES.split("  - name: other")[0]))
    await manager.send_retired(35.0)
    assert sent(sink, "Elsewhere")[-1] == ("resolved", 35.0)
    manager.clock = _Clock(36.0)
    manager.apply([])
    await manager.send_retired(36.0)
    assert sent(sink, "Down")[-1] == ("resolved", 36.0)
    assert sent(sink, "Also")[-1] == ("resolved", 36.0)
    assert len(sent(sink, "Elsewhere")) == 2, "a retired alert is not retired twice"
    await manager.stop()


async def test_pending_alert_of_a_removed_rule_sends_nothing(make_manager: ManagerFactory) -> None:
    """A pending alert was never sent, so its removal sends nobody a resolve."""
    sink = RecordingSink()
    manager = make_manager(SampleStore(), sink, RULES)
    await manager.start(schedule=False)
    await run(manager, 0, 0)
    assert states(manager)["Down"][0] == "pending"
    manager.apply([])
    await manager.send_retired(5.0)
    assert sent(sink, "Down") == []
    await manager.stop()


async def test_failed_sink_keeps_the_retired_resolve_due(make_manager: ManagerFactory) -> None:
    """When the sink fails, the resolve of a retired alert is tried again next time."""
    sink = _FlakySink()
    manager = await firing_manager(make_manager, sink)  # type: ignore[arg-type]
    manager.clock = _Clock(35.0)
    manager.apply([])
    sink.failing = True
    await manager.send_retired(35.0)
    sink.failing = False
    await manager.send_retired(40.0)
    assert sent(sink, "Down")[-1] == ("resolved", 35.0)
    await manager.stop()


async def test_restart_after_rule_removed_while_stopped_sends_the_resolve(
    make_manager: ManagerFactory,
) -> None:
    """A rule (and a group) removed while the daemon was stopped: the alerts that were firing
    are resolved when it starts again."""
    sink = RecordingSink()
    first = await firing_manager(make_manager, sink)
    await first.stop()
    text = RULES.split("  - name: other")[0].replace(
        "      - alert: Also\n        expr: up == 0\n", ""
    )
    second = make_manager(SampleStore(), sink, text)
    second.clock = _Clock(500.0)
    await second.start(schedule=False)
    await second.send_retired(500.0)
    assert sent(sink, "Elsewhere")[-1] == ("resolved", 500.0)
    await run(second, 510, 510)
    assert sent(sink, "Also")[-1] == ("resolved", 510.0)
    assert states(second)["Down"][0] == "firing", "the unchanged rule keeps its alert"
    await second.stop()


async def test_restart_after_expr_change_while_stopped_restores_then_resolves(
    make_manager: ManagerFactory,
) -> None:
    """A firing alert whose rule's expr changed while stopped comes back firing; once the
    hold is over and the new expr does not return it, its resolve is sent."""
    sink = RecordingSink()
    first = await firing_manager(make_manager, sink)
    await first.stop()
    changed = RULES.replace("expr: up == 0\n        for", "expr: up > 5\n        for")
    second = make_manager(SampleStore(), sink, changed, restore_hold=30.0)
    await second.start(schedule=False)
    await run(second, 500, 500)
    assert states(second)["Down"][0] == "firing"
    await run(second, 540, 540)
    assert sent(sink, "Down")[-1] == ("resolved", 540.0)
    await second.stop()


async def test_retired_resolve_survives_a_restart_before_it_was_sent(
    make_manager: ManagerFactory,
) -> None:
    """Rule removed, the sink down, daemon restarted: the resolve is still sent."""
    sink = _FlakySink()
    first = await firing_manager(make_manager, sink)  # type: ignore[arg-type]
    first.clock = _Clock(35.0)
    first.apply([])
    sink.failing = True
    await first.send_retired(35.0)
    await first.stop()
    sink.failing = False
    second = make_manager(SampleStore(), sink, "groups: []\n")
    second.clock = _Clock(35.0 + RESOLVED_RETENTION + 100)  # long after: it was never sent
    await second.start(schedule=False)
    await second.send_retired(35.0 + RESOLVED_RETENTION + 100)
    assert {n.alertname for n in sink.all() if n.status == "resolved"} == {
        "Down",
        "Also",
        "Elsewhere",
    }
    assert sent(sink, "Down")[-1] == ("resolved", 35.0)
    await second.stop()


async def test_firing_notifications_are_the_current_picture(make_manager: ManagerFactory) -> None:
    """firing_notifications(): every firing alert, none pending, with external labels."""
    sink = RecordingSink()
    manager = make_manager(SampleStore(), sink, RULES, external_labels={"dc": "eu"})
    await manager.start(schedule=False)
    await run(manager, 0, 10)
    picture = manager.firing_notifications()
    assert [(n.alertname, n.status, n.labels["dc"]) for n in picture] == [("Also", "firing", "eu")]
    await manager.stop()


class _Clock:
    """A fixed clock for apply() (it stamps the resolve of retired alerts)."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


class _FlakySink(RecordingSink):
    """A sink that raises while ``failing`` (an outbox that cannot be written)."""

    failing = False

    async def send(self, group: str, notifications: Sequence[Notification]) -> None:
        """Record, or fail."""
        if self.failing:
            raise OSError("disk full")
        await super().send(group, notifications)
