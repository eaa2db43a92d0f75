"""Slack bodies: Block Kit within Slack's documented limits, with a text fallback."""

from __future__ import annotations

from tests.notify.conftest import alert
from tests.notify.receivers.schemas import SLACK, check_slack
from watchdog.notify.receivers.base import Message
from watchdog.notify.receivers.slack import build_body

T = 1_700_000_000.0
REASON = "no Alertmanager accepts alerts: http://am:9093: connection refused"


def _message(*alerts: object, reason: str = REASON, notice: bool = False) -> Message:
    return Message("slack", "vault", list(alerts), reason, notice=notice)  # type: ignore[arg-type]


def _texts(body: dict[str, object]) -> str:
    return repr(body)


def test_one_alert_shows_name_severity_summary_since_and_failed_channel() -> None:
    """Header names the alert; the section has severity, since; context names the failure."""
    body = build_body(
        _message(alert("VaultSealed", start=T, summary="Vault is sealed")), channel="#oncall"
    )
    check_slack(body)
    assert body["channel"] == "#oncall"
    header, context, section = body["blocks"]
    assert header["text"]["text"] == "1 firing: VaultSealed"
    assert "fallback path" in context["elements"][0]["text"]
    assert "http://am:9093: connection refused" in context["elements"][0]["text"]
    assert section["text"]["text"] == "*VaultSealed* — FIRING\nVault is sealed"
    fields = [f["text"] for f in section["fields"]]
    assert "*Severity*\ncritical" in fields
    assert "*Since*\n2023-11-14T22:13:20Z" in fields
    assert body["text"].startswith("[FIRING] 1 firing: VaultSealed — via monitor-watchdog fallback")


def test_many_alerts_stay_within_fifty_blocks() -> None:
    """120 alerts: at most 50 blocks, the overflow summarised in the last block."""
    body = build_body(_message(*[alert(f"Alert{i:03d}", start=T) for i in range(120)]))
    check_slack(body)
    assert len(body["blocks"]) == SLACK["max_blocks"]
    assert body["blocks"][-1]["text"]["text"].startswith("…and 73 more alerts: ")
    assert len(body["blocks"][0]["text"]["text"]) <= SLACK["header_text"]


def test_huge_texts_are_clipped_to_the_limits() -> None:
    """A 10 000-character summary and label values are clipped, never rejected by Slack."""
    big = alert("Big", start=T, summary="x" * 10_000, instance="i" * 5_000)
    body = build_body(_message(big, reason="r" * 5_000))
    check_slack(body)
    assert body["blocks"][2]["text"]["text"].endswith("…")


def test_mrkdwn_control_characters_are_escaped() -> None:
    """&, < and > from alert text cannot inject links or mentions."""
    body = build_body(_message(alert("X", start=T, summary="<!channel> & <http://evil|click>")))
    text = body["blocks"][2]["text"]["text"]
    assert "&lt;!channel&gt; &amp; &lt;http://evil|click&gt;" in text
    assert "<!channel>" not in _texts(body)


def test_resolved_alert_shows_when_it_resolved() -> None:
    """A resolved alert says RESOLVED and when."""
    body = build_body(_message(alert("X", "resolved", start=T, end=T + 120)))
    check_slack(body)
    section = body["blocks"][2]
    assert "RESOLVED" in section["text"]["text"]
    assert "*Resolved at*\n2023-11-14T22:15:20Z" in [f["text"] for f in section["fields"]]


def test_notice_is_rendered_as_a_notice() -> None:
    """The 'Alertmanager is back' notice uses its summary as the header."""
    notice = alert(
        "WatchdogFallbackDelivery",
        "resolved",
        start=T,
        end=T + 60,
        summary="Alertmanager accepts alerts again; delivery returned to it",
    )
    body = build_body(_message(notice, reason="Alertmanager accepts alerts again", notice=True))
    check_slack(body)
    assert body["blocks"][0]["text"]["text"] == (
        "Alertmanager accepts alerts again; delivery returned to it"
    )
