"""Documented body constraints of each receiver, written down as test data with checkers.

Sources (looked up, not guessed):
- Alertmanager webhook payload, version 4: prometheus.io/docs/alerting/latest/configuration
  (``<webhook_config>``): receiver, status, alerts[{status, labels, annotations, startsAt,
  endsAt, generatorURL, fingerprint}], groupLabels, commonLabels, commonAnnotations,
  externalURL, version, groupKey, truncatedAlerts.
- Slack Block Kit (docs.slack.dev/reference/block-kit/blocks): up to 50 blocks per message;
  header: plain_text, at most 150 characters; section: text at most 3000 characters, at most
  10 fields of at most 2000 characters; context: at most 10 elements.
- PagerDuty Events API v2 (developer.pagerduty.com, "Send an Alert Event"): routing_key and
  event_action (trigger|acknowledge|resolve) required; dedup_key at most 255 characters;
  payload.summary (at most 1024), payload.source and payload.severity
  (critical|error|warning|info) required for triggers; payload.timestamp ISO 8601;
  payload.custom_details an object; whole payload at most 512 KB.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

AM_WEBHOOK_KEYS = {
    "receiver": str,
    "status": str,
    "alerts": list,
    "groupLabels": dict,
    "commonLabels": dict,
    "commonAnnotations": dict,
    "externalURL": str,
    "version": str,
    "groupKey": str,
    "truncatedAlerts": int,
}
AM_ALERT_KEYS = {
    "status": str,
    "labels": dict,
    "annotations": dict,
    "startsAt": str,
    "endsAt": str,
    "generatorURL": str,
    "fingerprint": str,
}
SLACK = {
    "max_blocks": 50,
    "header_text": 150,
    "section_text": 3000,
    "max_fields": 10,
    "field_text": 2000,
    "context_elements": 10,
    "text_object": 3000,
}
SLACK_BLOCK_TYPES = {"header", "section", "context", "divider"}
PAGERDUTY = {
    "summary": 1024,
    "dedup_key": 255,
    "max_bytes": 512 * 1024,
    "severities": {"critical", "error", "warning", "info"},
    "actions": {"trigger", "acknowledge", "resolve"},
}
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check_am_webhook(body: dict[str, Any]) -> None:
    """Raise AssertionError unless ``body`` is a valid version-4 webhook payload."""
    assert set(body) == set(AM_WEBHOOK_KEYS), set(body) ^ set(AM_WEBHOOK_KEYS)
    for key, kind in AM_WEBHOOK_KEYS.items():
        assert isinstance(body[key], kind), key
    assert body["version"] == "4"
    assert body["status"] in ("firing", "resolved")
    for alert in body["alerts"]:
        assert set(alert) == set(AM_ALERT_KEYS), set(alert) ^ set(AM_ALERT_KEYS)
        for key, kind in AM_ALERT_KEYS.items():
            assert isinstance(alert[key], kind), key
        assert alert["status"] in ("firing", "resolved")
        assert _RFC3339.match(alert["startsAt"])
        assert _RFC3339.match(alert["endsAt"])
        assert re.fullmatch(r"[0-9a-f]{16}", alert["fingerprint"])
        for mapping in (alert["labels"], alert["annotations"]):
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())


def check_slack(body: dict[str, Any]) -> None:
    """Raise AssertionError unless ``body`` respects Slack's documented block limits."""
    assert isinstance(body.get("text"), str)
    assert body["text"]
    blocks = body["blocks"]
    assert 0 < len(blocks) <= SLACK["max_blocks"]
    for block in blocks:
        assert block["type"] in SLACK_BLOCK_TYPES
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= SLACK["header_text"]
        elif block["type"] == "section":
            _text_object(block["text"], SLACK["section_text"])
            fields = block.get("fields", [])
            assert len(fields) <= SLACK["max_fields"]
            for item in fields:
                _text_object(item, SLACK["field_text"])
        elif block["type"] == "context":
            assert 0 < len(block["elements"]) <= SLACK["context_elements"]
            for item in block["elements"]:
                _text_object(item, SLACK["text_object"])


def _text_object(obj: dict[str, Any], limit: int) -> None:
    assert obj["type"] in ("plain_text", "mrkdwn")
    assert 0 < len(obj["text"]) <= limit


def check_pagerduty(body: dict[str, Any]) -> None:
    """Raise AssertionError unless ``body`` is a valid Events API v2 alert event."""
    assert len(json.dumps(body).encode()) <= PAGERDUTY["max_bytes"]
    assert isinstance(body["routing_key"], str)
    assert body["routing_key"]
    assert body["event_action"] in PAGERDUTY["actions"]
    if "dedup_key" in body:
        assert 0 < len(body["dedup_key"]) <= PAGERDUTY["dedup_key"]
    if body["event_action"] != "trigger":
        return
    payload = body["payload"]
    assert 0 < len(payload["summary"]) <= PAGERDUTY["summary"]
    assert isinstance(payload["source"], str)
    assert payload["source"]
    assert payload["severity"] in PAGERDUTY["severities"]
    if "timestamp" in payload:
        datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00"))
    if "custom_details" in payload:
        assert isinstance(payload["custom_details"], dict)
    for link in body.get("links", []):
        assert link["href"].startswith(("http://", "https://"))
