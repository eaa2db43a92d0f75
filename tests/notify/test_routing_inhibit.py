"""Routing and inhibition on the fallback path, against a PagerDuty fake and a real SMTP
server: critical to PagerDuty, warning to email only; VaultDown inhibits VaultSealed on the
same instance, and the inhibited alert is paged once the inhibiting one resolves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from devstack.fakes.pagerduty import FakePagerDuty
from devstack.polling import async_wait_for
from tests.notify.conftest import FAST_BACKOFF, Stack, alert, delivery_stack, until
from tests.notify.smtpserver import Mailbox, smtp_server
from tests.support.httpsink import HttpSink
from watchdog.alerts import Notification

pytestmark = pytest.mark.slow

KEY = "R0UT1NGKEY0000000000000000000000"


def resolved(note: Notification) -> Notification:
    """The same alert, resolved now."""
    return Notification(
        note.labels, note.annotations, note.starts_at, time.time(), "resolved", group=note.group
    )


async def _drained(stack: Stack) -> bool:
    return await stack.depth() == 0


async def test_critical_goes_to_pagerduty_and_warning_to_email_only(tmp_path: Path) -> None:
    """Each receiver gets what its matchers match; the critical resolve closes its incident."""
    critical = alert("VaultSealed", severity="critical", instance="vault-0:8200")
    warning = alert("CertExpiresSoon", severity="warning", instance="pki:443")
    box = Mailbox()
    async with FakePagerDuty() as pd:
        with smtp_server(box) as port:
            config: dict[str, Any] = {
                "emergency": [
                    {
                        "kind": "pagerduty",
                        "name": "pd",
                        "routing_key": KEY,
                        "url": f"{pd.url}/v2/enqueue",
                        "matchers": ['severity=~"critical|page"'],
                    },
                    {
                        "kind": "email",
                        "name": "mail",
                        "to": ["ops@example.org"],
                        "from": "watchdog@example.org",
                        "smarthost": f"127.0.0.1:{port}",
                        "tls_mode": "none",
                        "matchers": ["severity=warning"],
                    },
                ],
                "backoff": FAST_BACKOFF,
            }
            async with delivery_stack(tmp_path, config) as stack:
                await stack.chain.send("g", [critical, warning])
                await async_wait_for(lambda: _drained(stack), message="round delivered")
                await async_wait_for(until(lambda: box.messages), message="the email")
                await stack.chain.send("g", [resolved(critical)])
                await async_wait_for(until(lambda: not pd.open_incidents()), message="resolve")
    (incident,) = pd.incidents
    assert incident.summary.startswith("[FIRING] VaultSealed")
    assert incident.status == "resolved"
    (mail,) = box.messages
    assert "CertExpiresSoon" in mail["Subject"]
    assert "VaultSealed" not in mail.get_body(("plain",)).get_content()


async def test_vault_down_inhibits_vault_sealed_on_the_same_instance(
    tmp_path: Path, sink: HttpSink
) -> None:
    """VaultSealed on the instance where VaultDown fires is inhibited; on another instance it
    is not; once VaultDown resolves, the inhibited alert is paged."""
    down = alert("VaultDown", instance="vault-0:8200")
    sealed_same = alert("VaultSealed", instance="vault-0:8200")
    sealed_other = alert("VaultSealed", instance="vault-1:8200")
    config = {
        "emergency": [
            {"kind": "webhook", "name": "pager", "url": sink.url("/hook"), "group_by": ["..."]}
        ],
        "inhibit_rules": [
            {
                "source_matchers": ["alertname=VaultDown"],
                "target_matchers": ["alertname=VaultSealed"],
                "equal": ["instance"],
            }
        ],
        "backoff": FAST_BACKOFF,
    }
    firing = [down, sealed_same, sealed_other]
    async with delivery_stack(tmp_path, config) as stack:
        stack.chain.picture = lambda: list(firing)
        await stack.chain.send("vault", [down, sealed_same, sealed_other])
        await async_wait_for(lambda: _drained(stack), message="round handled")
        sent = {(a["labels"]["alertname"], a["labels"]["instance"]) for a in _alerts(sink)}
        assert sent == {("VaultDown", "vault-0:8200"), ("VaultSealed", "vault-1:8200")}
        status = stack.chain.fallback_status(sealed_same.labels)
        assert status["inhibitedBy"] == [down.fingerprint]
        assert stack.metric("watchdog_fallback_alerts_muted_total", reason="inhibited") >= 1

        firing.remove(down)
        await stack.chain.send("vault", [resolved(down)])
        await async_wait_for(
            until(lambda: ("VaultSealed", "vault-0:8200") in _firing(sink)),
            message="inhibited alert paged once the source resolved",
        )


def _alerts(sink: HttpSink) -> list[dict[str, Any]]:
    return [a for r in sink.records("/hook") for a in r.json()["alerts"]]


def _firing(sink: HttpSink) -> set[tuple[str, str]]:
    return {
        (a["labels"]["alertname"], a["labels"]["instance"])
        for a in _alerts(sink)
        if a["status"] == "firing"
    }
