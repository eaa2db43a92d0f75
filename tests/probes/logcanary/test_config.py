"""Validation of logcanary target settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.probe_harness import validate_target
from watchdog.config.load import load_config
from watchdog.probes.kinds.logcanary.config import LogCanaryTarget

LOKI = {"name": "loki", "kind": "loki", "url": "http://loki:3100", "selector": '{job="fb"}'}
ES = {"name": "es", "kind": "elasticsearch", "url": "https://es:9200"}


def _canary(**fields: Any) -> LogCanaryTarget:
    raw: dict[str, Any] = {"emit": {"kind": "file", "path": "/tmp/canary.log"}, "backends": [LOKI]}
    raw.update(fields)
    config = validate_target("logcanary", **raw)
    assert isinstance(config, LogCanaryTarget)
    return config


def test_defaults():
    """Defaults: 2 min deadline, 10 s between canaries, first backend primary."""
    config = _canary(backends=[LOKI, ES])
    assert (config.deadline, config.min_emit_interval, config.primary_name) == (120.0, 10.0, "loki")
    assert config.default_instance() == "/tmp/canary.log"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"backends": []}, "at least 1 item"),
        ({"backends": [LOKI, LOKI]}, "backend names must be unique: loki"),
        ({"primary": "es"}, "primary 'es' is not a backend name"),
        ({"tag": "has space"}, "should match pattern"),
        ({"deadline": "5m", "loss_window": "1m"}, "loss_window at least the deadline"),
        ({"backends": [{**LOKI, "selector": "job=fb"}]}, "LogQL stream selector"),
        ({"backends": [{**LOKI, "selector": '{job="fb"} |= "x"'}]}, "LogQL stream selector"),
        ({"backends": [{**LOKI, "name": "bad name"}]}, "name must be 1-64 characters"),
        ({"backends": [{**ES, "index": "logs /x"}]}, "index must be an index name"),
        ({"backends": [{**ES, "query": "term"}]}, "id_field is required with query: term"),
        (
            {"backends": [{**ES, "api_key": "k3y-value", "bearer_token": "t0ken-value"}]},
            "only one of api_key",
        ),
        (
            {"backends": [{"name": "h", "kind": "http", "url": "http://s/q?x=1"}]},
            "must contain the {id} placeholder",
        ),
        (
            {"backends": [{"name": "h", "kind": "http", "url": "http://s/q?x={idd}"}]},
            "unknown placeholder {idd}",
        ),
        (
            {
                "backends": [
                    {"name": "h", "kind": "http", "url": "http://s/{id}", "json_path": "$..x"}
                ]
            },
            "cannot read json_path",
        ),
        ({"emit": {"kind": "syslog", "protocol": "udp"}}, "needs address"),
        ({"emit": {"kind": "syslog", "protocol": "unix", "address": "h:514"}}, "needs path"),
        ({"emit": {"kind": "syslog", "address": "nohost"}}, "must be host:port"),
        ({"emit": {"kind": "carrier-pigeon"}}, "does not match any of the expected tags"),
    ],
)
def test_bad_fields_are_refused(fields, message):
    """Each invalid setting is refused with a reason naming the problem."""
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        _canary(**fields)


def test_http_template_with_json_body_is_accepted():
    """A JSON body keeps its own braces; only {id}-style placeholders are placeholders."""
    backend = {
        "name": "search",
        "kind": "http",
        "url": "https://logs.example/api/search",
        "method": "POST",
        "body": '{"query": "{id}", "from": {start_ms}}',
        "json_path": "$.results[*].line",
    }
    assert _canary(backends=[backend]).backends[0].name == "search"


def test_config_file_errors_point_at_the_line(tmp_path: Path):
    """In a config file, a bad backend key is reported with file, line and key path."""
    config = tmp_path / "watchdog.yml"
    config.write_text(
        "state_dir: state\n"
        "targets:\n"
        "  - job: canary\n"
        "    kind: logcanary\n"
        "    emit: {kind: file, path: canary.log}\n"
        "    backends:\n"
        "      - name: loki\n"
        "        kind: loki\n"
        "        url: http://loki:3100\n"
        "        selector: '{job=\"fb\"}'\n"
        "        limt: 10\n"
    )
    with pytest.raises(Exception) as info:  # noqa: PT011 - ConfigError's text is the contract
        load_config(config)
    text = str(info.value)
    assert "watchdog.yml:11" in text
    assert "limt" in text
    assert "did you mean 'limit'" in text
