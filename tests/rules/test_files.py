# ruff: noqa: E501 - tables of exact expected messages read best unwrapped
"""Rule files: the seed loads unchanged; invalid files are refused with file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.procs import REPO
from watchdog.config.errors import ConfigError
from watchdog.config.yamlsource import parse_yaml
from watchdog.rules.files import load_rule_files, parse_rule_document
from watchdog.rules.model import AlertingRule, RecordingRule

SEED = REPO / "config" / "rules" / "seed" / "prometheus-self-monitoring.yaml"
SEED_TEXT = Path("/work/shared/seeds/001_b810cba3355f4822.txt")


def test_seed_rule_file_is_the_seed_verbatim() -> None:
    """The shipped seed rule file is a byte-for-byte excerpt of the seed document."""
    if not SEED_TEXT.exists():
        pytest.skip("seed documents not present")
    assert SEED.read_text(encoding="utf-8") in SEED_TEXT.read_text(encoding="utf-8")


def test_seed_rule_file_loads_unchanged() -> None:
    """All six seed rules load with their durations, labels and templates."""
    (group,) = load_rule_files([SEED])
    assert group.name == "monitoring-health"
    names = [r.name for r in group.rules]
    assert names == [
        "PrometheusDown",
        "AlertmanagerDown",
        "VaultDown",
        "VaultSealed",
        "LogPipelineDown",
        "CertificateRenewalFailing",
    ]
    cert = group.rules[5]
    assert isinstance(cert, AlertingRule)
    assert cert.for_ == 1800.0
    assert cert.labels["severity"].text == "warning"
    assert "{{ $labels.name }}" in cert.annotations["summary"].text


def _issues(text: str) -> list[str]:
    doc = parse_yaml(text, Path("r.yml"))
    groups, issues = parse_rule_document(doc)
    assert not groups or not issues
    return [str(i) for i in issues]


INVALID = [
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    forr: 1m\n",
        "r.yml:6: groups[0].rules[0].forr: rule \"A\" (group \"g\"): unknown key 'forr' (did you mean 'for'?)",
    ),
    (
        "groups:\n- name: g\n  rules: []\n- name: g\n  rules: []\n",
        'r.yml:4: groups[1].name: group name "g" is repeated in the same file',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    record: b\n    expr: up\n",
        "r.yml:5: groups[0].rules[0].record: rule \"A\" (group \"g\"): only one of 'record' and 'alert' must be set",
    ),
    (
        "groups:\n- name: g\n  rules:\n  - expr: up\n",
        "r.yml:4: groups[0].rules[0]: rule 1 (group \"g\"): one of 'record' or 'alert' must be set",
    ),
    (
        "groups:\n- name: g\n  rules:\n  - record: 'bad name'\n    expr: up\n",
        'r.yml:4: groups[0].rules[0].record: rule "bad name" (group "g"): invalid recording rule name: bad name',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels:\n      0bad: x\n",
        'r.yml:7: groups[0].rules[0].labels.0bad: rule "A" (group "g"): invalid label name: 0bad',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      s: '{{ $labels.x | nosuchfunc }}'\n",
        'r.yml:7: groups[0].rules[0].annotations.s: rule "A" (group "g"): annotation \'s\': '
        'error parsing template __alert_A: template: __alert_A:1: function "nosuchfunc" not defined',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up ==\n",
        'r.yml:5: groups[0].rules[0].expr: rule "A" (group "g"): could not parse expression:',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n",
        'r.yml:4: groups[0].rules[0].expr: rule "A" (group "g"): field \'expr\' must be set in rule',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    for: 5m\n",
        'r.yml:6: groups[0].rules[0].for: rule "r" (group "g"): invalid field \'for\' in recording rule',
    ),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5 minutes\n",
        'r.yml:6: groups[0].rules[0].for: rule "A" (group "g"): invalid duration \'5 minutes\'',
    ),
    (
        "groups:\n- name: g\n  limit: -1\n  rules: []\n",
        'r.yml:3: groups[0].limit: group "g": limit must be a non-negative integer',
    ),
    ("rules: []\n", "r.yml:1: rules: unknown key 'rules' in rule file"),
    (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up[5m]\n",
        'r.yml:5: groups[0].rules[0].expr: rule "A" (group "g"): expression must return an instant vector or a scalar, not a matrix',
    ),
]


@pytest.mark.parametrize(("text", "expected"), INVALID)
def test_invalid_rule_files_name_line_rule_and_reason(text: str, expected: str) -> None:
    """Each invalid rule file yields an issue starting with the exact file:line: path: reason."""
    issues = _issues(text)
    assert any(issue.startswith(expected) for issue in issues), issues


def test_every_problem_is_reported_not_just_the_first() -> None:
    """Two broken rules give two issues."""
    text = "groups:\n- name: g\n  rules:\n  - alert: A\n  - record: 'x y'\n    expr: up\n"
    assert len(_issues(text)) == 2


def test_recording_rule_and_group_settings_load() -> None:
    """interval, limit and recording-rule labels are read."""
    text = "groups:\n- name: g\n  interval: 30s\n  limit: 5\n  rules:\n  - record: job:up\n    expr: up\n    labels: {a: '1'}\n"
    groups, issues = parse_rule_document(parse_yaml(text, Path("r.yml")))
    assert not issues
    (group,) = groups
    assert (group.interval, group.limit) == (30.0, 5)
    rule = group.rules[0]
    assert isinstance(rule, RecordingRule)
    assert rule.labels == {"a": "1"}


def test_load_rule_files_raises_config_error_for_unreadable_file(tmp_path: Path) -> None:
    """A missing file is a ConfigError naming it."""
    with pytest.raises(ConfigError, match="cannot read file"):
        load_rule_files([tmp_path / "missing.yml"])
