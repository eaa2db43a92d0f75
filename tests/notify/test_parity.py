"""Webhook body parity with a real Alertmanager 0.25 for the same alerts and route.

Alertmanager gets a route equal to an emergency receiver's (matchers, ``group_by``,
``continue``) and a webhook receiver; the test posts the same alerts to it and compares its
webhook body with ours key by key. The one documented difference: our alerts carry the
fallback annotations (``watchdog_*``).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.polling import wait_for
from tests.notify.receivers.schemas import check_am_webhook
from tests.support.components import Running, start_alertmanager
from tests.support.httpsink import HttpSink
from watchdog.alerts import Notification
from watchdog.notify.matchers import matchers_of
from watchdog.notify.receivers import Message
from watchdog.notify.receivers.webhook import build_body
from watchdog.notify.routing import Route

pytestmark = pytest.mark.slow

MATCHERS = ['severity=~"critical|page"', "team=sec"]
GROUP_BY = ["alertname", "dc"]
T = time.time() - 120


def am_config(sink: HttpSink) -> dict[str, Any]:
    """A root route to nowhere and one sub-route like an emergency receiver's."""
    return {
        "route": {
            "receiver": "blackhole",
            "group_wait": "100ms",
            "group_interval": "300ms",
            "routes": [
                {
                    "receiver": "pager",
                    "matchers": MATCHERS,
                    "group_by": GROUP_BY,
                    "continue": True,
                    "group_wait": "100ms",
                    "group_interval": "300ms",
                }
            ],
        },
        "receivers": [
            {"name": "blackhole"},
            {"name": "pager", "webhook_configs": [{"url": sink.url("/am"), "send_resolved": True}]},
        ],
    }


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """Alertmanager's webhook receiver."""
    server = HttpSink().start()
    yield server
    server.stop()


@pytest.fixture
def am(tmp_path: Path, sink: HttpSink) -> Iterator[Running]:
    """A real Alertmanager 0.25 with the emergency-like route."""
    running = start_alertmanager(tmp_path / "am", am_config(sink))
    yield running
    running.stop()


def notification(instance: str, status: str, **labels: str) -> Notification:
    """One of the alerts both sides get."""
    return Notification(
        labels={
            "alertname": "VaultSealed",
            "severity": "critical",
            "team": "sec",
            "dc": "eu-1",
            "job": "vault",
            "instance": instance,
            **labels,
        },
        annotations={"summary": f"{instance} is sealed", "runbook": "https://wiki/vault"},
        starts_at=T,
        ends_at=T + 60 if status == "resolved" else time.time() + 240,
        status=status,  # type: ignore[arg-type]
        generator_url="http://prometheus:9090/graph?g0.expr=vault_core_unsealed+%3D%3D+0",
    )


def post(am: Running, alerts: list[Notification]) -> None:
    """POST the alerts to Alertmanager's API, as the daemon does."""
    body = json.dumps([a.to_alertmanager() for a in alerts]).encode()
    request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL
        f"{am.url}/api/v2/alerts", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.status == 200


def theirs(sink: HttpSink, status: str) -> dict[str, Any]:
    """Alertmanager's first webhook body with this group status."""
    return wait_for(
        lambda: next((r.json() for r in sink.records("/am") if r.json()["status"] == status), None),
        timeout=20,
        message=f"Alertmanager's {status} webhook",
    )


def ours(am: Running, alerts: list[Notification]) -> dict[str, Any]:
    """Our body for the same alerts through a route equal to Alertmanager's."""
    route = Route("pager", tuple(matchers_of(MATCHERS)), tuple(GROUP_BY))
    (group,) = route.group(alerts)
    message = Message("pager", "vault", alerts, "why", am.url + "/", groups=[group])
    return build_body(message, group)


def compare(mine: dict[str, Any], real: dict[str, Any]) -> None:
    """Key by key; our only extra is the watchdog_* annotations."""
    check_am_webhook(mine)
    check_am_webhook(real)
    assert set(mine) == set(real)
    for key in set(real) - {"alerts", "commonAnnotations"}:
        assert mine[key] == real[key], key
    assert _plain(mine["commonAnnotations"]) == real["commonAnnotations"]
    assert len(mine["alerts"]) == len(real["alerts"])
    for my_alert, real_alert in zip(mine["alerts"], real["alerts"], strict=True):
        assert set(my_alert) == set(real_alert)
        for key in set(real_alert) - {"annotations"}:
            assert my_alert[key] == real_alert[key], key
        assert _plain(my_alert["annotations"]) == real_alert["annotations"]


def _plain(annotations: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in annotations.items() if not k.startswith("watchdog_")}


def test_firing_and_resolved_bodies_match_alertmanager_key_by_key(
    am: Running, sink: HttpSink
) -> None:
    """groupLabels, groupKey, externalURL, commonLabels, alert order, times, fingerprints:
    the same as Alertmanager 0.25's webhook for the same route, firing and resolved."""
    firing = [notification("vault-1:8200", "firing"), notification("vault-0:8200", "firing")]
    post(am, firing)
    real = theirs(sink, "firing")
    mine = ours(am, firing)
    compare(mine, real)
    assert mine["groupLabels"] == {"alertname": "VaultSealed", "dc": "eu-1"}
    assert mine["groupKey"].startswith('{}/{severity=~"critical|page",team="sec"}:')
    assert not mine["externalURL"].endswith("/")

    resolved = [notification("vault-1:8200", "resolved"), notification("vault-0:8200", "resolved")]
    post(am, resolved)
    compare(ours(am, resolved), theirs(sink, "resolved"))
