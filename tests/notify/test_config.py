"""The ``alerting`` section: defaults, receiver names, and refusals with precise reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from watchdog.config.alerting import AlertingConfig
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.notify.receivers import RECEIVERS, receiver_names
from watchdog.redact import redact


def test_defaults_follow_the_documented_values() -> None:
    """Two failures or 10 s, 1 h repeat, batches of 64, 10 000 queued, 24 h outbox."""
    config = AlertingConfig()
    assert (config.fallback.after_failures, config.fallback.after) == (2, 10.0)
    assert (config.repeat_interval, config.batch_size, config.queue_capacity) == (3600, 64, 10_000)
    assert (config.outbox.max_items, config.outbox.max_age) == (10_000, 86_400)


def test_receiver_names_default_to_their_kind_numbered_when_repeated() -> None:
    """Unnamed receivers are called by kind; a repeated kind is numbered; names win."""
    config = AlertingConfig.model_validate(
        {
            "emergency": [
                {"kind": "webhook", "url": "http://a.example/1"},
                {"kind": "webhook", "url": "http://a.example/2"},
                {"kind": "slack", "url": "https://hooks.slack.example/T/B/x"},
                {"kind": "pagerduty", "routing_key": "k" * 32, "name": "pd-security"},
            ]
        }
    )
    assert receiver_names(config.emergency) == ["webhook-1", "webhook-2", "slack", "pd-security"]


@pytest.mark.parametrize(
    ("alerting", "message"),
    [
        (
            {
                "emergency": [
                    {"kind": "webhook", "name": "x", "url": "http://a/1"},
                    {"kind": "slack", "name": "x", "url": "http://a/2"},
                ]
            },
            "emergency receiver name 'x' is used twice",
        ),
        (
            {"alertmanagers": [{"url": "http://am:9093"}, {"url": "http://am:9093/"}]},
            "an Alertmanager URL is listed twice",
        ),
        (
            {"backoff": {"initial": "20s", "max": "10s"}},
            "initial 20s is above max 10s",
        ),
        (
            {"emergency": [{"kind": "pagerduty"}]},
            "one of routing_key or routing_key_file is required",
        ),
        (
            {"emergency": [{"kind": "teams", "url": "http://a/1"}]},
            "does not match any of the expected tags",
        ),
        ({"heartbeat_in": {"window": "0s"}}, "window must be positive"),
        (
            {"emergency": [{"kind": "slack", "url": "ftp://hooks/x"}]},
            "must be an http:// or https:// URL",
        ),
    ],
)
def test_bad_alerting_sections_are_refused_with_the_reason(
    alerting: dict[str, object], message: str
) -> None:
    """Each mistake is refused and the error says what is wrong."""
    with pytest.raises(ValidationError) as caught:
        AlertingConfig.model_validate(alerting)
    assert message in str(caught.value)


def test_the_emergency_receivers_are_the_registered_kinds() -> None:
    """alerting.emergency accepts exactly the kinds in RECEIVERS, each parsed by its own model."""
    with pytest.raises(ValidationError) as caught:
        AlertingConfig.model_validate({"emergency": [{"kind": "teams"}]})
    expected = ", ".join(f"'{name}'" for name in RECEIVERS)
    assert f"expected tags: {expected}" in str(caught.value)
    config = AlertingConfig.model_validate(
        {"emergency": [{"kind": "slack", "url": "https://hooks.example/x"}]}
    )
    assert isinstance(config.emergency[0], RECEIVERS["slack"].config)


def test_receiver_secrets_from_files_are_redacted(tmp_path: Path) -> None:
    """A Slack URL read from a file is a registered secret: redacted wherever printed."""
    url = "https://hooks.slack.example/services/T000/B000/s3cr3tPart1234"
    (tmp_path / "slack-url").write_text(url + "\n")
    config_file = tmp_path / "watchdog.yml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "alerting": {"emergency": [{"kind": "slack", "url_file": "slack-url"}]},
            }
        )
    )
    loaded = load_config(config_file)
    assert loaded.model.alerting.emergency[0].target() == url
    assert "s3cr3tPart1234" not in redact(f"failed to post to {url}")


def test_unknown_alerting_key_is_refused_with_file_and_line(tmp_path: Path) -> None:
    """A typo in the alerting section names the file, line and key."""
    config_file = tmp_path / "watchdog.yml"
    config_file.write_text(f"state_dir: {tmp_path}\nalerting:\n  repeat_intervall: 1h\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    text = str(caught.value.issues[0])
    assert "watchdog.yml:3" in text
    assert "repeat_intervall" in text


@pytest.mark.parametrize(
    ("section", "line", "reason"),
    [
        (
            "  emergency:\n    - kind: webhook\n      url: http://a/1\n"
            "      matchers: ['severity=~\"(crit\"']\n",
            6,
            "invalid regular expression",
        ),
        (
            "  emergency:\n    - kind: webhook\n      url: http://a/1\n"
            "      group_by: [alertname, '...']\n",
            6,
            "must stand alone",
        ),
        (
            "  inhibit_rules:\n    - source_matchers: ['alertname VaultDown']\n",
            4,
            "bad matcher format",
        ),
        ("  silences: {mirror_interval: 0s}\n", 3, "mirror_interval must be positive"),
    ],
)
def test_routing_inhibit_and_silence_mistakes_name_file_line_and_reason(
    tmp_path: Path, section: str, line: int, reason: str
) -> None:
    """A bad matcher, group_by, inhibit rule or silences setting: file:line and the reason."""
    config_file = tmp_path / "watchdog.yml"
    config_file.write_text(f"state_dir: {tmp_path}\nalerting:\n{section}")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    text = "\n".join(str(issue) for issue in caught.value.issues)
    assert reason in text
    assert "watchdog.yml:" in text
