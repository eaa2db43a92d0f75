"""Rule queries are bounded by the config's query limits; a rule over them fails alone."""

from __future__ import annotations

from pathlib import Path

from watchdog.config.load import load_config
from watchdog.promql import EvalLimits, Query
from watchdog.rules.group import EvalContext, GroupState
from watchdog.rules.model import AlertingRule, RecordingRule, RuleGroup
from watchdog.rules.setup import query_limits
from watchdog.store import SampleStore


def test_config_keys_become_the_rule_query_limits(tmp_path: Path) -> None:
    """global.query_timeout / query_max_samples reach the limits every rule query gets."""
    path = tmp_path / "config.yaml"
    path.write_text(
        f"state_dir: {tmp_path}\nglobal: {{query_timeout: 3s, query_max_samples: 5000}}\n"
    )
    limits = query_limits(load_config(path))
    assert (limits.timeout, limits.max_samples) == (3.0, 5000)


def test_wedging_rule_fails_with_the_reason_and_others_still_run() -> None:
    """``count_over_time(vector(1)[30d:1ms])`` as a rule is an error naming the limit; the
    group's other rules evaluate normally."""
    group = RuleGroup(
        "g",
        (
            AlertingRule("Wedge", Query.parse("count_over_time(vector(1)[30d:1ms]) > 0")),
            RecordingRule("ok:one", Query.parse("vector(1)")),
        ),
        interval=15.0,
    )
    state = GroupState(group)
    ctx = EvalContext(SampleStore(), limits=EvalLimits(max_samples=100_000))
    _, failures = state.evaluate(1000.0, ctx)
    assert failures == 1
    wedge, ok = state.rules
    assert wedge.health == "err"
    assert "query max_samples" in wedge.last_error
    assert "subquery [4w2d:1ms]" in wedge.last_error
    assert ok.health == "ok"
