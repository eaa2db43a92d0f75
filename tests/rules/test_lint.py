"""The rule lint: which targets rules can see, unwatched targets, duplicates, severities."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from watchdog.config.load import load_config
from watchdog.config.model import LoadedConfig
from watchdog.config.yamlsource import parse_yaml
from watchdog.rules.coverage import watched_targets
from watchdog.rules.files import parse_rule_document
from watchdog.rules.lint import lint_config, lint_rules
from watchdog.rules.model import RuleGroup

TARGETS = [
    {"job": "vault", "kind": "vault", "url": "http://127.0.0.1:1"},
    {"job": "resolver", "kind": "dns", "query_name": "vault.internal"},
    {"job": "ssh", "kind": "tcp", "address": "127.0.0.1:22"},
    {"job": "exporter", "kind": "scrape", "url": "http://127.0.0.1:1/metrics"},
]


def _rules(text: str, path: Path = Path("rules.yml")) -> list[RuleGroup]:
    groups, issues = parse_rule_document(parse_yaml(text, path))
    assert not issues, issues
    return groups


def _config(tmp_path: Path, targets: list[dict[str, str]] = TARGETS) -> LoadedConfig:
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump({"state_dir": str(tmp_path / "state"), "targets": targets}))
    return load_config(path)


def _alert(expr: str) -> str:
    return f"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: '{expr}'\n"


@pytest.mark.parametrize(
    ("expr", "seen"),
    [
        ("up == 0", {"vault", "resolver", "ssh", "exporter"}),
        ('up{job="ssh"} == 0', {"ssh"}),
        ('up{job=~"ss.*|vault"} == 0', {"ssh", "vault"}),
        ("vault_core_unsealed == 0", {"vault", "exporter"}),
        (
            'probe_success == 0 and on(job, instance) watchdog_target_info{kind="dns"}',
            {"resolver"},
        ),
        ('probe_success == 0 and watchdog_target_info{kind="tcp"}', {"ssh"}),
        ('probe_success == 0 and on(job) watchdog_target_info{kind="vault"}', {"vault"}),
        ('up{job="ssh"} == 0 or up{job="vault"} == 0', {"ssh", "vault"}),
        ('up unless on(job) up{job="ssh"}', {"vault", "resolver", "ssh", "exporter"}),
        ('absent(up{job="ssh"})', {"ssh"}),
        ('sum by (job) (rate(probe_duration_seconds{job="vault"}[5m])) > 1', {"vault"}),
        ('max_over_time(up{job="ssh"}[5m:1m]) == 0', {"ssh"}),
        ('up{job="ssh"} * on() group_left vector(1)', {"ssh"}),
        ("vector(time()) > 0", set()),
        ('ALERTS{alertname="X"}', set()),
    ],
)
def test_what_an_alerting_rule_sees(tmp_path: Path, expr: str, seen: set[str]) -> None:
    """Selectors see targets by job, by kind (produced names, watchdog_target_info{kind}), and
    binary operations narrow or widen what their sides see as PromQL matching does."""
    config = _config(tmp_path)
    keys = watched_targets(_rules(_alert(expr)), config.targets)
    assert {key.split("/")[0] for key in keys} == seen


def test_recorded_metrics_see_what_their_recording_rules_see(tmp_path: Path) -> None:
    """An alert on a recorded metric watches the targets its recording rule chain selects."""
    text = (
        "groups:\n  - name: g\n    rules:\n"
        "      - record: job:down:one\n        expr: 'job:down:two'\n"
        "      - record: job:down:two\n        expr: 'up{job=\"ssh\"} == 0'\n"
        "      - record: unused:vault\n        expr: 'up{job=\"vault\"}'\n"
        "      - alert: Down\n        expr: 'job:down:one > 0'\n"
    )
    config = _config(tmp_path)
    assert watched_targets(_rules(text), config.targets) == {"ssh/127.0.0.1:22"}


def test_unwatched_targets_are_named_with_their_config_line(tmp_path: Path) -> None:
    """Each target no alerting rule sees is a warning at its line in the config."""
    config = _config(tmp_path)
    groups = _rules(_alert('up{job="ssh"} == 0 or probe_dns_answer_match == 0'))
    findings = [f for f in lint_config(config, groups) if f.subject.startswith("target ")]
    assert [(f.severity, f.subject, f.line) for f in findings] == [
        ("warning", "target vault/127.0.0.1:1", 3),
    ]
    assert str(findings[0]) == (
        f"warning: {config.source}:3: target vault/127.0.0.1:1: no alerting rule selects it "
        '(by job, e.g. up{job="vault"} == 0, or by kind through '
        'watchdog_target_info{kind="vault"}): it can fail without paging anyone'
    )


def test_without_rules_no_target_is_called_unwatched(tmp_path: Path) -> None:
    """No rule files at all is one config warning, not one finding per target."""
    assert lint_config(_config(tmp_path), []) == []


def test_every_static_finding_is_a_warning(tmp_path: Path) -> None:
    """Static lint reports warnings only: the daemon runs such a config, so check must pass it."""
    config = _config(tmp_path, TARGETS[:1])
    groups = _rules(_alert('up{job="alertmanager"} == 0 or nothing_makes_this == 1'))
    findings = lint_config(config, groups)
    assert {f.severity for f in findings} == {"warning"}
    assert any('job="alertmanager" matches no configured job' in f.message for f in findings)


def test_duplicate_rules_are_found_like_promtool() -> None:
    """Same name and labels twice in one file (any groups) is a warning; labels tell apart."""
    text = (
        "groups:\n  - name: a\n    rules:\n"
        "      - alert: X\n        expr: up == 0\n"
        "      - alert: X\n        expr: up == 1\n        labels: {severity: page}\n"
        "      - record: r\n        expr: sum(up)\n"
        "  - name: b\n    rules:\n"
        "      - record: r\n        expr: sum(up)\n"
        "      - alert: X\n        expr: up == 2\n"
    )
    findings = lint_rules(_rules(text), 15.0)
    assert [(f.subject, f.line, f.message) for f in findings] == [
        (
            "rule r",
            13,
            "duplicate of the rule at line 9 (same name and labels): their series or "
            "alerts collide",
        ),
        (
            "rule X",
            15,
            "duplicate of the rule at line 4 (same name and labels): their series or "
            "alerts collide",
        ),
    ]
