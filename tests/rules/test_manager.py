"""The rule manager with an explicit clock: evaluation, sending, apply, persistence, restart."""

from __future__ import annotations

from dataclasses import replace

from tests.rules.conftest import ManagerFactory, RecordingSink
from watchdog.rules.alerting import AlertState
from watchdog.rules.sending import GeneratorLinks
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

RULES = """
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 60s
        labels: {severity: page}
        annotations: {summary: "{{ $labels.job }} is down"}
      - record: job:up
        expr: up
"""
UP = LabelSet({"__name__": "up", "job": "x", "instance": "i"})
KEY = "rules.yml;g"


def feed(store: SampleStore, start: float, end: float, value: float = 0.0) -> None:
    t = start
    while t <= end:
        store.ingest("target", t, {UP: value})
        t += 10


def alert_state(
    manager: object, ts_labels: LabelSet | None = None
) -> tuple[AlertState, float] | None:
    state = manager.states[KEY]  # type: ignore[attr-defined]
    alerts = state.rules[0].alerts.alerts(include_inactive=True)
    if not alerts:
        return None
    return alerts[0].state, alerts[0].active_at


async def run(manager: object, start: float, end: float) -> None:
    t = start
    while t <= end:
        await manager.evaluate_group(KEY, t)  # type: ignore[attr-defined]
        t += 10


async def first_life(make_manager: ManagerFactory, sink: RecordingSink, seconds: float) -> object:
    """A manager that sees ``up == 0`` from 0 to ``seconds``, evaluating every 10 s, then stops."""
    store = SampleStore()
    first = make_manager(store, sink, RULES)
    await first.start(schedule=False)
    feed(store, 0, seconds)
    await run(first, 0, seconds)
    await first.stop()
    return first


async def test_pending_then_firing_with_notification_and_recorded_series(
    make_manager: ManagerFactory,
) -> None:
    """The alert fires after `for`, is sent once with external labels, and rules write series."""
    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(
        store, sink, RULES, external_labels={"dc": "eu"}, links=GeneratorLinks(daemon="http://wd")
    )
    await manager.start(schedule=False)
    feed(store, 0, 100)
    await run(manager, 0, 50)
    assert alert_state(manager) == (AlertState.PENDING, 0)
    assert sink.all() == []
    await manager.evaluate_group(KEY, 60)
    assert alert_state(manager) == (AlertState.FIRING, 0)
    (note,) = sink.all()
    assert note.status == "firing"
    assert note.labels["dc"] == "eu"
    assert note.starts_at == 60
    assert note.annotations == {"summary": "x is down"}
    assert note.generator_url == "http://wd/api/v1/rules?rule_name%5B%5D=Down&rule_group%5B%5D=g"
    recorded = store.instant([], 60)
    names = {p.labels.name for p in recorded}
    assert {"job:up", "ALERTS", "ALERTS_FOR_STATE"} <= names
    await manager.stop()


async def test_resolved_alert_is_sent_as_resolved(make_manager: ManagerFactory) -> None:
    """When the series recovers, a resolved notification with endsAt = resolve time goes out."""
    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(store, sink, RULES)
    await manager.start(schedule=False)
    feed(store, 0, 60)
    feed(store, 70, 80, value=1.0)
    await run(manager, 0, 70)
    last = sink.all()[-1]
    assert (last.status, last.ends_at) == ("resolved", 70)
    await manager.stop()


async def test_restart_keeps_pending_time_and_fires_remaining_for(
    make_manager: ManagerFactory,
) -> None:
    """Pending 40 s of a 60 s `for`, restarted: fires 20 s after the first evaluation, not 60."""
    sink = RecordingSink()
    first = await first_life(make_manager, sink, 40)
    assert alert_state(first) == (AlertState.PENDING, 0)

    fresh = SampleStore()  # the store is in memory: it starts empty after a restart
    second = make_manager(fresh, sink, RULES)
    await second.start(schedule=False)
    feed(fresh, 300, 330)
    await second.evaluate_group(KEY, 300)
    assert alert_state(second) == (AlertState.PENDING, 260)
    await second.evaluate_group(KEY, 310)
    assert alert_state(second)[0] is AlertState.PENDING  # type: ignore[index]
    await second.evaluate_group(KEY, 320)
    assert alert_state(second) == (AlertState.FIRING, 260)
    await second.stop()


async def test_restart_keeps_firing_alert_without_resending_early(
    make_manager: ManagerFactory,
) -> None:
    """A firing alert stays firing after a restart and is re-sent on the resend schedule."""
    sink = RecordingSink()
    await first_life(make_manager, sink, 60)
    assert len(sink.all()) == 1

    fresh = SampleStore()
    second = make_manager(fresh, sink, RULES)
    await second.start(schedule=False)
    feed(fresh, 70, 80)
    await second.evaluate_group(KEY, 70)
    assert alert_state(second) == (AlertState.FIRING, 0)
    assert len(sink.all()) == 1  # last sent at 60; the resend delay (60 s) has not passed
    await second.stop()


async def test_restored_alert_is_held_then_resolved_when_series_never_returns(
    make_manager: ManagerFactory,
) -> None:
    """A restored firing alert whose series does not come back resolves after the hold."""
    sink = RecordingSink()
    await first_life(make_manager, sink, 60)

    second = make_manager(SampleStore(), sink, RULES, restore_hold=30.0)
    await second.start(schedule=False)
    await second.evaluate_group(KEY, 100)
    assert alert_state(second)[0] is AlertState.FIRING  # type: ignore[index]
    await second.evaluate_group(KEY, 130)
    assert alert_state(second)[0] is AlertState.INACTIVE  # type: ignore[index]
    assert sink.all()[-1].status == "resolved"
    await second.stop()


async def test_changed_rule_discards_persisted_state(make_manager: ManagerFactory) -> None:
    """State is restored only into a rule whose definition is unchanged."""
    sink = RecordingSink()
    await first_life(make_manager, sink, 40)

    changed = RULES.replace("for: 60s", "for: 90s")
    fresh = SampleStore()
    second = make_manager(fresh, sink, changed)
    await second.start(schedule=False)
    feed(fresh, 300, 300)
    await second.evaluate_group(KEY, 300)
    assert alert_state(second) == (AlertState.PENDING, 300)
    await second.stop()


async def test_apply_carries_alert_state_by_rule_name(make_manager: ManagerFactory) -> None:
    """apply(): an edited rule keeps its alerts by name, like Prometheus' CopyState."""
    from tests.rules.conftest import groups_from

    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(store, sink, RULES)
    await manager.start(schedule=False)
    feed(store, 0, 40)
    await run(manager, 0, 30)
    manager.apply(groups_from(RULES.replace("summary:", "description:")))
    assert alert_state(manager) == (AlertState.PENDING, 0)  # annotations are not identity
    manager.apply(groups_from(RULES.replace("up == 0", "up < 1")))
    assert alert_state(manager) == (AlertState.PENDING, 0)  # the new expr decides next time
    await manager.stop()


async def test_builtin_groups_run_next_to_file_groups(make_manager: ManagerFactory) -> None:
    """Groups added in code are evaluated like file groups."""
    from tests.rules.conftest import groups_from

    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(store, sink, RULES)
    (parsed,) = groups_from(
        "groups:\n- name: heartbeat\n  rules:\n  - alert: HeartbeatMissing\n    expr: vector(1)\n"
    )
    manager.add_builtin_groups([replace(parsed, file=None)])
    assert set(manager.states) == {KEY, "heartbeat"}
    await manager.start(schedule=False)
    await manager.evaluate_group("heartbeat", 10)
    assert sink.all()[0].alertname == "HeartbeatMissing"
    await manager.stop()


async def test_every_transition_reaches_the_hook_and_a_failing_hook_is_harmless(
    make_manager: ManagerFactory,
) -> None:
    """pending, firing and resolved each call the journal hook once; a raising hook is logged."""
    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(store, sink, RULES)
    seen: list[tuple[str, str, str, float]] = []

    def hook(**event: object) -> None:
        seen.append(
            (
                str(event["alertname"]),
                str(event["previous"]),
                str(event["current"]),
                float(event["at"]),
            )
        )  # type: ignore[arg-type]

    manager.on_transition = hook
    await manager.start(schedule=False)
    feed(store, 0, 60)
    await run(manager, 0, 60)
    feed(store, 70, 70, value=1.0)
    await run(manager, 70, 70)
    assert seen == [
        ("Down", "inactive", "pending", 0.0),
        ("Down", "pending", "firing", 60.0),
        ("Down", "firing", "inactive", 70.0),
    ]

    def broken(**_event: object) -> None:
        raise OSError("disk full")

    manager.on_transition = broken
    feed(store, 80, 80)
    await run(manager, 80, 80)  # evaluation goes on although the hook fails
    assert alert_state(manager)[0] is AlertState.PENDING  # type: ignore[index]
    await manager.stop()
