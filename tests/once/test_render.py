"""The verdict and the table: every reason to exit 1 counted, colours only when asked."""

from __future__ import annotations

from tests.support.probe_harness import validate_target
from watchdog.config.targets import TargetSpec
from watchdog.once.evaluate import Evaluation, RuleProblem
from watchdog.once.render import judge, render_table
from watchdog.once.run import TargetResult
from watchdog.probes.runner import ProbeOutcome

NOW = 1_700_000_000.0


def _result(job: str, *, up: bool, success: bool) -> TargetResult:
    config = validate_target("tcp", job=job, address="127.0.0.1:1")
    spec = TargetSpec(job, "127.0.0.1:1", "tcp", 15.0, 5.0, 1000, {}, config)
    outcome = ProbeOutcome(NOW, 0.25, up, success, None if success else "sealed", facts={"a": "b"})
    return TargetResult(spec, outcome)


def _evaluation(*problems: RuleProblem) -> Evaluation:
    return Evaluation(NOW, [], list(problems), [], 1, 1, "no saved alert state")


def test_a_failing_target_and_a_broken_rule_each_need_attention() -> None:
    """probe_success 0 (answered, unhealthy) and a rule error both make it exit 1."""
    targets = [
        _result("vault", up=True, success=False),
        _result("web", up=True, success=True),
    ]
    problem = RuleProblem("g", "Broken", "many-to-many matching not allowed")
    verdict = judge(targets, _evaluation(problem))
    assert verdict.code == 1
    assert verdict.reasons == ["1 target(s) failing", "1 rule(s) could not be evaluated"]
    assert judge(targets[1:], _evaluation()).code == 0


def test_colours_only_when_asked() -> None:
    """color=True paints the state cells; color=False leaves plain, aligned text."""
    targets = [_result("vault", up=True, success=False)]
    evaluation = _evaluation()
    verdict = judge(targets, evaluation)
    plain = render_table(targets, evaluation, verdict, [], color=False)
    painted = render_table(targets, evaluation, verdict, [], color=True)
    assert "\x1b[" not in plain
    assert "\x1b[33mfailing\x1b[0m" in painted
    row = next(line for line in plain.splitlines() if line.startswith("vault "))
    assert row.split() == ["vault", "127.0.0.1:1", "tcp", "failing", "0", "250ms", "a=b", "sealed"]
