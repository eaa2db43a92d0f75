"""The webhook sink: readable lines per alert, every request kept as a JSON line."""

from __future__ import annotations

import io
import json
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from devstack.demo.sink import describe, sink_app

PAYLOAD = {
    "receiver": "slack-standin",
    "status": "firing",
    "version": "4",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "VaultSealed", "job": "vault", "severity": "critical"},
            "annotations": {
                "summary": "Vault is sealed.",
                "watchdog_fallback_reason": "no Alertmanager accepts alerts",
            },
        }
    ],
}


def test_an_alert_line_names_status_alert_labels_summary_and_why() -> None:
    """One line per alert: status, name, identifying labels, summary, the fallback reason."""
    assert describe("/emergency", PAYLOAD) == [
        "FIRING   VaultSealed  job=vault  Vault is sealed.  "
        "[why here: no Alertmanager accepts alerts]"
    ]


def test_slack_messages_show_their_text_unescaped() -> None:
    """A Slack body is shown by its plain-text fallback, with Slack's escapes undone."""
    body = {"text": "[FIRING] 1 firing: A &lt;b&gt; — via fallback", "blocks": []}
    assert describe("/slack", body) == ["[FIRING] 1 firing: A <b> — via fallback"]


async def test_requests_are_recorded_and_answered_ok(tmp_path: Path) -> None:
    """Each post is appended as JSON (channel, path, body) and answered 200, like the real ones."""
    out_path = tmp_path / "notifications.jsonl"
    console = io.StringIO()
    with out_path.open("a") as out:
        async with TestClient(TestServer(sink_app(out, console))) as client:
            response = await client.post("/alertmanager", json=PAYLOAD)
            assert response.status == 200
            response = await client.post("/slack", data=b"not json")
            assert response.status == 200
    entries = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert [e["channel"] for e in entries] == ["via Alertmanager", "EMERGENCY Slack"]
    assert entries[0]["body"] == PAYLOAD
    assert entries[1]["body"] == "not json"
    assert "via Alertmanager" in console.getvalue()
    assert "FIRING   VaultSealed" in console.getvalue()
