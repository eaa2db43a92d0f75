"""Validation of reconcile target settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.probe_harness import config_issues, validate_target
from watchdog.probes.kinds.reconcile.config import ReconcileTarget

LOKI = {"name": "loki", "kind": "loki", "url": "http://loki:3100"}
ES = {"name": "es", "kind": "elasticsearch", "url": "https://es:9200"}
HTTP = {"name": "archive", "kind": "http", "url": "https://a/count?f={start_ms}&t={end_ms}"}
STREAM = {"name": "audit", "loki": {"selector": '{job="audit"}'}, "elasticsearch": {"index": "a-*"}}


def _target(**fields: Any) -> ReconcileTarget:
    raw: dict[str, Any] = {"backends": [LOKI, ES], "streams": [STREAM]}
    raw.update(fields)
    config = validate_target("reconcile", **raw)
    assert isinstance(config, ReconcileTarget)
    return config


def test_defaults():
    """One-minute windows, 5 m settle, 1 h max_settle and lookback, 10 windows a run."""
    config = _target()
    assert (config.window_seconds, config.settle, config.max_settle) == (60, 300.0, 3600.0)
    assert (config.lookback_seconds, config.max_windows_per_run) == (3600.0, 10)
    assert config.primary_name == "loki"
    assert config.default_instance() == "loki:3100"


def _stream(**sections: Any) -> dict[str, Any]:
    return {**STREAM, **sections}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"backends": [LOKI]}, "at least 2 items"),
        ({"backends": [LOKI, LOKI]}, "backend names must be unique: loki"),
        ({"streams": [STREAM, STREAM]}, "stream names must be unique: audit"),
        ({"primary": "other"}, "primary 'other' is not a backend name"),
        ({"window": "1500ms"}, "window must be a whole number of seconds"),
        ({"settle": "1h", "max_settle": "30m"}, "max_settle must be longer than settle"),
        ({"lookback": "10s"}, "lookback must be at least one window"),
        ({"backends": [LOKI, {**ES, "retention": "1h"}]}, "retention must exceed max_settle"),
        ({"streams": [{"name": "audit", "loki": STREAM["loki"]}]}, "has no elasticsearch: section"),
        ({"backends": [LOKI, HTTP], "streams": [STREAM]}, "but no backend is elasticsearch"),
        ({"streams": [_stream(name="has space")]}, "name must be 1-64 characters"),
        ({"streams": [_stream(loki={"selector": "job=audit"})]}, "LogQL stream selector"),
        (
            {"streams": [_stream(loki={"selector": '{job="a"}', "pipeline": "json"})]},
            "pipeline must start with a LogQL stage",
        ),
        (
            {"streams": [_stream(elasticsearch={"index": "a", "query": {"a": 1, "b": 2}})]},
            "query must be one Query DSL clause",
        ),
        ({"streams": [_stream(content={"id_field": "id", "max_records": 6000})]}, "less than or"),
        (
            {"backends": [LOKI, {**HTTP, "url": "https://a/count?f={start_ms}"}]},
            "a {start…} and an {end…} placeholder",
        ),
        (
            {"backends": [LOKI, {**HTTP, "url": "https://a/{start}/{end}/{day}"}]},
            "unknown placeholder {day}",
        ),
        (
            {"backends": [LOKI, {**HTTP, "url": "https://a/{start}/{end}?q={query}"}]},
            "needs http.query",
        ),
    ],
)
def test_bad_fields_are_refused(fields, message):
    """Each invalid setting is refused with a reason naming the problem."""
    if any(b.get("kind") == "http" for b in fields.get("backends", [])) and "streams" not in fields:
        fields = {**fields, "streams": [{"name": "audit", "loki": STREAM["loki"]}]}
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        _target(**fields)


def test_a_stream_for_http_needs_no_section_unless_the_template_asks():
    """An http backend counting by {stream} alone needs nothing in the stream."""
    config = _target(backends=[LOKI, HTTP], streams=[{"name": "audit", "loki": STREAM["loki"]}])
    assert config.backends[1].name == "archive"


def test_changing_what_a_window_means_changes_the_stream_key():
    """A new selector or window length starts the stream afresh; the interval does not."""
    base = _target()
    key = base.stream_key(base.streams[0])
    assert _target(interval="1m").stream_key(base.streams[0]) == key
    assert _target(window="2m").stream_key(base.streams[0]) != key
    other = _target(streams=[_stream(loki={"selector": '{job="other"}'})])
    assert other.stream_key(other.streams[0]) != key


def test_config_file_errors_point_at_the_line(tmp_path: Path):
    """A bad key deep in a stream is reported with its line and a suggestion."""
    target = {"job": "r", "kind": "reconcile", "backends": [LOKI, ES]}
    target["streams"] = [{**STREAM, "elasticsearch": {"index": "a-*", "time_feild": "ts"}}]
    issues = config_issues(target, tmp_path)
    assert len(issues) == 1
    assert "streams[0].elasticsearch.time_feild" in issues[0]
    assert "did you mean 'time_field'" in issues[0]
