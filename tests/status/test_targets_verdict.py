"""Components grouping and the verdict banner, from real target states and views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from watchdog.config.targets import TargetSpec
from watchdog.probes.kinds.tcp import TcpTarget
from watchdog.probes.runner import ProbeOutcome
from watchdog.status import targets as targets_module
from watchdog.status.drills import QUARTER, build_drills
from watchdog.status.plainwords import hint_for
from watchdog.status.targets import build_groups
from watchdog.status.verdict import OUTBOX_STUCK, build_verdict
from watchdog.status.views import (
    AlertDelivery,
    AlertView,
    DeliveryView,
    FallbackView,
    HeartbeatInView,
    HeartbeatOutView,
    JournalView,
    OutboxView,
    When,
)
from watchdog.target_state import TargetState

NOW = 1_800_000_000.0


def _state(job: str, instance: str, *, up: bool | None, success: bool = True) -> TargetState:
    config = TcpTarget.model_validate({"job": job, "kind": "tcp", "address": instance})
    spec = TargetSpec(job, instance, "tcp", 15.0, 5.0, 1000, {}, config)
    state = TargetState(spec)
    if up is not None:
        state.update(
            ProbeOutcome(
                started=NOW - 5,
                duration=0.01,
                up=up,
                success=up and success,
                error=None if up and success else "connection failed: connection refused",
                series={},
                facts={"note": "<b>bold</b>"},
            )
        )
    return state


def test_problem_jobs_first_and_big_healthy_jobs_folded() -> None:
    """Jobs with down targets come first; a big job shows only its problems, the rest counted."""
    states = [_state("big", f"10.0.0.{i}:22", up=True) for i in range(30)]
    states.append(_state("big", "10.0.0.99:22", up=False))
    states += [_state("small", f"10.0.1.{i}:22", up=True) for i in range(3)]
    states.append(_state("fresh", "10.0.2.1:22", up=None))
    groups = build_groups(states, NOW)
    assert [g.job for g in groups] == ["big", "fresh", "small"]
    big = groups[0]
    assert big.counts == {"down": 1, "failing": 0, "unknown": 0, "up": 30}
    assert [t.instance for t in big.targets] == ["10.0.0.99:22"] and big.hidden == 30
    assert big.targets[0].hint == hint_for("connection refused")
    assert len(groups[2].targets) == 3 and groups[2].hidden == 0
    assert groups[1].targets[0].health == "unknown"
    one_job = build_groups(states, NOW, job="big")
    assert len(one_job) == 1 and len(one_job[0].targets) == 31 and one_job[0].hidden == 0


def test_overview_rows_are_bounded(monkeypatch: Any) -> None:
    """However many targets fail, the overview renders at most OVERVIEW_ROWS rows."""
    monkeypatch.setattr(targets_module, "OVERVIEW_ROWS", 5)
    states = [_state(f"job{i % 3}", f"10.0.0.{i}:22", up=False) for i in range(12)]
    groups = build_groups(states, NOW)
    assert sum(len(g.targets) for g in groups) == 5
    assert sum(g.hidden for g in groups) == 7


def _delivery(**changes: Any) -> DeliveryView:
    fallback = FallbackView(
        active=changes.pop("fallback", False),
        reason="no Alertmanager accepts alerts",
        since=None,
        delivered=0,
        emergency_configured=True,
        alertmanagers_configured=True,
    )
    return DeliveryView(
        replicas=[],
        fallback=fallback,
        receivers=[],
        outbox=changes.pop("outbox", OutboxView(0, None)),
        heartbeat_out=HeartbeatOutView(False, "off", None, None),
        heartbeat_in=HeartbeatInView(False, None, None, overdue=False),
        journal=JournalView(1, "ab", "ab:1", changes.pop("journal", "intact"), None, None),
    )


def _firing() -> AlertView:
    return AlertView(
        name="VaultSealed",
        state="firing",
        severity="critical",
        fingerprint="f",
        labels={},
        summary="",
        since=When(NOW),
        for_remaining=None,
        value="0",
        group="g",
        delivery=AlertDelivery("alertmanager", "accepted"),
    )


def test_verdict_levels_worst_first_with_every_reason() -> None:
    """unhealthy > degraded > firing > ok; the reasons list everything that applies."""
    groups = build_groups([_state("a", "h:1", up=True)], NOW)
    ok = build_verdict(health_problems=[], alerts=[], groups=groups, delivery=_delivery(), now=NOW)
    assert (ok.level, ok.headline, ok.reasons) == ("ok", "ALL GOOD", [])
    firing = build_verdict(
        health_problems=[], alerts=[_firing()], groups=groups, delivery=_delivery(), now=NOW
    )
    assert (firing.level, firing.headline) == ("firing", "1 ALERT FIRING")
    stuck = OutboxView(3, When(NOW - OUTBOX_STUCK - 1))
    degraded = build_verdict(
        health_problems=[],
        alerts=[_firing()],
        groups=groups,
        delivery=_delivery(fallback=True, outbox=stuck),
        now=NOW,
    )
    assert degraded.level == "degraded"
    assert degraded.reasons[0] == "fallback active: alerts go to the emergency receivers"
    assert degraded.reasons[1].startswith("outbox: 3 notification(s) waiting, the oldest for 1m")
    assert degraded.reasons[-1] == "1 alert firing"
    unhealthy = build_verdict(
        health_problems=["scheduler lag 7.0s"],
        alerts=[],
        groups=groups,
        delivery=_delivery(fallback=True, journal="tampered"),
        now=NOW,
    )
    assert unhealthy.level == "unhealthy"
    assert unhealthy.reasons[:2] == [
        "watchdog: scheduler lag 7.0s",
        "journal tampered: see the log",
    ]


class _Run:
    """A drill history entry, as ``watchdog.drill.history.StageRun`` has it."""

    def __init__(self, stage: str, age: float, passed: bool) -> None:
        self.stage, self.finished_at, self.passed = stage, NOW - age, passed
        self.summary, self.report = "2 of 2 checks passed", Path(f"/d/drill-{stage}.json")


def test_drills_older_than_a_quarter_are_overdue() -> None:
    """A stage last drilled more than a quarter ago is flagged; the oldest comes first."""
    view = build_drills(
        [_Run("alertmanager", 10, True), _Run("vault", QUARTER + 1, False)], [], NOW
    )
    assert [(s.stage, s.overdue, s.passed) for s in view.stages] == [
        ("vault", True, False),
        ("alertmanager", False, True),
    ]
    assert view.stages[0].report == "drill-vault.json"
