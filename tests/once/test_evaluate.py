"""One evaluation over one round: ``for``, the daemon's saved state, history, broken rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchdog.once.evaluate import Evaluation, evaluate_rules
from watchdog.once.saved import SavedState
from watchdog.rules.alerting import Alert, AlertState
from watchdog.rules.files import load_rule_files
from watchdog.rules.model import AlertingRule, RuleGroup
from watchdog.rules.persist import SavedAlert
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

NOW = 1_700_000_000.0
RULES = """\
groups:
  - name: g
    rules:
      - alert: DownNow
        expr: up == 0
      - alert: DownFor2m
        expr: up == 0
        for: 2m
      - alert: DownSticky
        expr: up == 0
        keep_firing_for: 5m
      - alert: Flapping
        expr: changes(up[10m]) > 3
"""


@pytest.fixture
def group(tmp_path: Path) -> RuleGroup:
    """The rule group above, loaded like a rule file."""
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    (loaded,) = load_rule_files([path])
    return loaded


def _store(**up: float) -> SampleStore:
    """One round's samples: ``up`` and ``probe_success`` per job, probed 2s before NOW."""
    store = SampleStore()
    for job, value in up.items():
        target = {"job": job, "instance": f"{job}:1"}
        store.ingest(
            job,
            NOW - 2,
            {
                LabelSet({**target, "__name__": "up"}): value,
                LabelSet({**target, "__name__": "probe_success"}): value,
            },
        )
    return store


def _saved(
    group: RuleGroup, rule: str, job: str, state: AlertState, since: float, last_eval: float = 5
) -> SavedState:
    """The daemon's state: one alert of ``rule`` for ``job``, evaluated ``last_eval`` s ago."""
    found = next(r for r in group.rules if r.name == rule)
    assert isinstance(found, AlertingRule)
    labels = LabelSet({"alertname": rule, "job": job, "instance": f"{job}:1"})
    fired = since if state is AlertState.FIRING else None
    alert = Alert(labels, {}, state, active_at=since, fired_at=fired)
    item = SavedAlert(group.key, rule, found.definition(), alert)
    return SavedState({group.key: [item]}, {group.key: NOW - last_eval}, "test state")


def _run(group: RuleGroup, store: SampleStore, saved: SavedState | None = None) -> Evaluation:
    return evaluate_rules([group], store, NOW, default_interval=15.0, saved=saved)


def _states(evaluation: Evaluation) -> dict[tuple[str, str], str]:
    return {(a.alertname, a.labels.get("job", "")): a.state for a in evaluation.alerts}


def test_new_alerts_fire_only_with_for_zero(group: RuleGroup) -> None:
    """No saved state: for 0 fires at once, for 2m is pending and needs all of it."""
    evaluation = _run(group, _store(vault=0, web=1))
    states = _states(evaluation)
    assert states[("DownNow", "vault")] == "firing"
    assert states[("DownSticky", "vault")] == "firing"
    assert states[("DownFor2m", "vault")] == "pending"
    assert ("DownNow", "web") not in states
    pending = next(a for a in evaluation.alerts if a.alertname == "DownFor2m")
    assert (pending.remaining, pending.from_saved_state, pending.rechecked) == (120.0, False, True)
    assert "needs for 2m" in pending.reason


def test_saved_pending_alert_fires_once_its_for_has_elapsed(group: RuleGroup) -> None:
    """Pending for 2m5s in a running daemon: its for has elapsed, so it would fire."""
    saved = _saved(group, "DownFor2m", "vault", AlertState.PENDING, NOW - 125)
    (alert,) = [a for a in _run(group, _store(vault=0), saved).alerts if a.rule == "DownFor2m"]
    assert (alert.state, alert.from_saved_state) == ("firing", True)
    assert "for 2m has elapsed" in alert.reason


def test_saved_pending_alert_short_of_its_for_says_how_long_to_go(group: RuleGroup) -> None:
    """Pending for 50s in a running daemon (evaluated 5s ago): 1m10s to go."""
    saved = _saved(group, "DownFor2m", "vault", AlertState.PENDING, NOW - 50)
    (alert,) = [a for a in _run(group, _store(vault=0), saved).alerts if a.rule == "DownFor2m"]
    assert alert.state == "pending"
    assert alert.remaining == pytest.approx(70.0)
    assert "1m10s of for 2m to go" in alert.reason


def test_a_stopped_daemons_down_time_does_not_count_toward_for(group: RuleGroup) -> None:
    """Pending 130s before a stop 100s ago: 30s counted, as a restarted daemon would count."""
    saved = _saved(group, "DownFor2m", "vault", AlertState.PENDING, NOW - 130, last_eval=100)
    (alert,) = [a for a in _run(group, _store(vault=0), saved).alerts if a.rule == "DownFor2m"]
    assert alert.state == "pending"
    assert alert.remaining == pytest.approx(90.0)


def test_saved_firing_alert_whose_series_is_gone_would_resolve(group: RuleGroup) -> None:
    """The daemon fires DownNow for web; web is up now: it would resolve."""
    saved = _saved(group, "DownNow", "web", AlertState.FIRING, NOW - 600)
    evaluation = _run(group, _store(web=1), saved)
    assert _states(evaluation) == {("DownNow", "web"): "resolved"}


def test_keep_firing_for_holds_a_saved_firing_alert(group: RuleGroup) -> None:
    """keep_firing_for 5m: the series is gone, the alert still fires."""
    saved = _saved(group, "DownSticky", "web", AlertState.FIRING, NOW - 600)
    assert _states(_run(group, _store(web=1), saved)) == {("DownSticky", "web"): "firing"}


def test_history_rule_keeps_the_daemons_verdict_unchecked(group: RuleGroup) -> None:
    """changes(up[10m]) cannot be judged from one sample: the firing alert stays, marked so."""
    saved = _saved(group, "Flapping", "web", AlertState.FIRING, NOW - 600)
    evaluation = _run(group, _store(web=1), saved)
    (alert,) = evaluation.alerts
    assert (alert.rule, alert.state, alert.rechecked) == ("Flapping", "firing", False)
    assert "not re-checked: the rule reads 10m of history" in alert.reason
    assert evaluation.history_rules == ["Flapping"]


def test_saved_state_of_a_changed_rule_is_ignored(group: RuleGroup) -> None:
    """A saved alert whose rule definition differs starts from scratch, as after a restart."""
    saved = _saved(group, "DownFor2m", "vault", AlertState.PENDING, NOW - 600)
    item = saved.alerts[group.key][0]
    stale = SavedAlert(item.group_key, item.rule, "another-definition", item.alert)
    changed = SavedState({group.key: [stale]}, saved.last_eval)
    (alert,) = [a for a in _run(group, _store(vault=0), changed).alerts if a.rule == "DownFor2m"]
    assert (alert.state, alert.from_saved_state) == ("pending", False)


def test_a_failing_rule_is_reported(tmp_path: Path) -> None:
    """A many-to-many match error is a problem naming the rule, not a crash."""
    path = tmp_path / "broken.yaml"
    path.write_text(
        "groups:\n  - name: b\n    rules:\n"
        "      - alert: Broken\n        expr: up * on() probe_success\n"
    )
    (broken,) = load_rule_files([path])
    evaluation = _run(broken, _store(vault=0, web=1))
    (problem,) = evaluation.problems
    assert (problem.rule, problem.group) == ("Broken", broken.key)
    assert "many" in problem.error
