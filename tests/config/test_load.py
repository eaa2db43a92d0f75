"""Config loading: every refusal names file, line, key path and reason."""

from pathlib import Path

import pytest

from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.redact import redact

TESTDATA = Path(__file__).parent / "testdata"

INVALID = [
    ("invalid-unknown-key.yaml", "3: global.intervall: unknown key (did you mean 'interval'?)"),
    ("invalid-duration.yaml", "2: global.interval: duration 15 has no unit; write e.g. '15s'"),
    (
        "invalid-duration-order.yaml",
        "2: global.evaluation_interval: invalid duration '30s1m': use units y, w, d, h, m, s, "
        "ms, largest first (e.g. '15s', '1m30s')",
    ),
    ("invalid-timeout.yaml", "3: global.timeout: timeout 10s is longer than interval 5s"),
    (
        "invalid-kind.yaml",
        "6: targets[1].kind: unknown probe kind 'htp' (did you mean 'http'?); known kinds: ",
    ),
    ("invalid-missing-kind.yaml", "2: targets[0].kind: required key is missing (one of: "),
    ("invalid-url.yaml", "4: targets[0].url: must be an http:// or https:// URL with a host"),
    ("invalid-target-key.yaml", "5: targets[0].urll: unknown key; allowed: "),
    (
        "invalid-duplicate-target.yaml",
        "3: targets[1]: duplicate target job='ssh' instance='bastion' (first defined at "
        "targets[0]); set a distinct 'instance'",
    ),
    (
        "invalid-secret-file.yaml",
        "5: targets[0].bearer_token_file: secret file {dir}/does-not-exist.token does not exist",
    ),
    (
        "invalid-two-secrets.yaml",
        "3: alerting.emergency[0]: set either routing_key or routing_key_file, not both",
    ),
    ("invalid-receiver-kind.yaml", "3: alerting.emergency[0]: Input tag 'teams' found using"),
    ("invalid-rule-files.yaml", "2: rule_files[0]: pattern 'missing-dir/*.yaml' matches no file"),
    ("invalid-yaml.yaml", "3: <document>: invalid YAML: "),
    ("invalid-duplicate-key.yaml", "3: global: duplicate key 'interval'"),
    (
        "invalid-env.yaml",
        "3: alerting.alertmanagers[0].url: environment variable AM_HOST_UNSET_FOR_TEST is not set",
    ),
    ("invalid-labels.yaml", "5: targets[0].labels.bad-name: 'bad-name' is not a valid label name"),
    ("invalid-listen.yaml", "2: server.listen: listen address 'localhost' must be host:port"),
    ("invalid-top-level.yaml", "1: <document>: the config must be a mapping of sections"),
]


@pytest.mark.parametrize(("name", "expected"), INVALID, ids=[name for name, _ in INVALID])
def test_invalid_config_is_refused_with_location(name: str, expected: str) -> None:
    """Each broken file fails with file:line: key path: reason."""
    path = TESTDATA / name
    with pytest.raises(ConfigError) as info:
        load_config(path)
    messages = [str(issue) for issue in info.value.issues]
    prefix = f"{path}:" + expected.format(dir=TESTDATA)
    assert any(m.startswith(prefix) for m in messages), messages


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Several mistakes in one file are all listed, ordered by line."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "global:\n  interval: 5\ntargets:\n"
        "  - {job: a, kind: tcp, address: nope}\n"
        "  - {job: b, kind: http, url: 'http://x', method: PUT}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    lines = [issue.line for issue in info.value.issues]
    assert lines == sorted(lines)
    assert [str(i.path[-1]) for i in info.value.issues] == ["interval", "address", "method"]


def test_duplicate_labels_error_mentions_reserved_label() -> None:
    """Static target labels may not override job or instance."""
    with pytest.raises(ConfigError) as info:
        load_config(TESTDATA / "invalid-labels.yaml")
    text = str(info.value)
    assert "labels may not set job" in text or "not a valid label name" in text


def test_valid_config_resolves_defaults_and_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defaults come from global, paths resolve next to the file, secrets stay secret."""
    monkeypatch.setenv("HOOK_TOKEN_FOR_TEST", "hook-token-123456")
    config = load_config(TESTDATA / "valid-full.yaml")
    by_job = {spec.job: spec for spec in config.targets}
    assert by_job["web"].interval == 60.0
    assert by_job["web"].timeout == 10.0
    assert by_job["ssh"].interval == 30.0 and by_job["ssh"].timeout == 2.0
    assert by_job["web"].instance == "example.invalid:443"
    assert by_job["metrics"].target_labels() == {
        "team": "sre",
        "job": "metrics",
        "instance": "127.0.0.1:9100",
    }
    assert config.model.state_dir == TESTDATA / "state"
    pagerduty, _webhook = config.model.alerting.emergency
    assert pagerduty.routing_key_file is not None  # type: ignore[union-attr]
    assert pagerduty.routing_key_file.get_secret_value() == "s3cr3t-routing-key"  # type: ignore[union-attr]
    dump = repr(config.model)
    assert "s3cr3t-routing-key" not in dump and "hook-token-123456" not in dump
    assert redact("sent to https://hooks.example/hook-token-123456") == "sent to <redacted>"
    assert redact("POST /hook-token-123456 failed") == "POST <redacted> failed"


def test_fingerprint_changes_with_secret_but_never_shows_it(tmp_path: Path) -> None:
    """A rotated token changes the target fingerprint (so it restarts); the hash hides it."""
    token = tmp_path / "token"
    config = tmp_path / "c.yaml"
    config.write_text(
        "targets:\n  - {job: m, kind: scrape, url: 'http://x/metrics', bearer_token_file: token}\n"
    )
    token.write_text("first-token-value\n")
    first = load_config(config).targets[0].fingerprint
    token.write_text("second-token-value\n")
    second = load_config(config).targets[0].fingerprint
    assert first != second
    assert "token-value" not in first + second


def test_rule_file_globs_resolve_relative_to_config(tmp_path: Path) -> None:
    """Rule file globs are relative to the config file and de-duplicated."""
    (tmp_path / "rules").mkdir()
    for name in ("b.yaml", "a.yaml"):
        (tmp_path / "rules" / name).write_text("groups: []\n")
    config = tmp_path / "c.yaml"
    config.write_text("rule_files: ['rules/*.yaml', 'rules/a.yaml']\n")
    loaded = load_config(config)
    assert loaded.rule_paths == [tmp_path / "rules" / "a.yaml", tmp_path / "rules" / "b.yaml"]


def test_empty_file_is_a_valid_config_with_defaults(tmp_path: Path) -> None:
    """An empty config means no targets and every default."""
    config = tmp_path / "c.yaml"
    config.write_text("")
    loaded = load_config(config)
    assert loaded.targets == []
    assert loaded.model.server.listen == "127.0.0.1:9911"
    assert loaded.global_.interval == 15.0


def test_errors_after_an_invalid_target_name_the_right_target(tmp_path: Path) -> None:
    """A target refused earlier (missing secret file) does not shift later targets' indexes."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "targets:\n"
        "  - {job: a, kind: tcp, address: 'a:1'}\n"
        "  - {job: b, kind: scrape, url: 'http://b/metrics', bearer_token_file: missing}\n"
        "  - {job: c, kind: tcp, address: 'c:1'}\n"
        "  - job: d\n"
        "    kind: tcp\n"
        "    address: 'd:1'\n"
        "    interval: 5s\n"
        "    timeout: 10s\n"
        "  - {job: c, kind: tcp, address: 'c:1'}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    messages = [str(issue) for issue in info.value.issues]
    assert messages[1:] == [
        f"{config}:9: targets[3].timeout: timeout 10s is longer than interval 5s",
        f"{config}:10: targets[4]: duplicate target job='c' instance='c:1' "
        "(first defined at targets[2]); set a distinct 'instance'",
    ]
    assert messages[0].startswith(f"{config}:3: targets[1].bearer_token_file: secret file ")


def test_target_timeout_against_the_global_interval_says_where_it_came_from(
    tmp_path: Path,
) -> None:
    """A target timeout longer than the inherited interval names both values and their source."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "global: {interval: 2s, timeout: 1s}\n"
        "targets:\n  - {job: a, kind: tcp, address: 'a:1', timeout: 3s}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert [str(i) for i in info.value.issues] == [
        f"{config}:3: targets[0].timeout: timeout 3s is longer than interval 2s (global.interval)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("global:\n  interval: 5s\n  timeout: 0s\n", "3: global.timeout: timeout must be positive"),
        ("global:\n  timeout: 5s\n  interval: 2s\n", "2: global.timeout: timeout 5s is longer"),
        ("global:\n  interval: 2s\n", "2: global.interval: timeout 5s is longer than interval 2s"),
        (
            "alerting:\n  backoff:\n    max: 1s\n    initial: 2s\n",
            "4: alerting.backoff.initial: initial 2s is above max 1s",
        ),
    ],
)
def test_section_checks_point_at_the_key_written(tmp_path: Path, text: str, expected: str) -> None:
    """A check across keys of one section points at the key the user wrote, with the values."""
    config = tmp_path / "c.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert str(info.value.issues[0]).startswith(f"{config}:{expected}")
