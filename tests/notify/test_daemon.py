"""The whole path with the daemon as a subprocess: target → rule → Alertmanager → receiver."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.polling import wait_for
from devstack.procs import free_port
from tests.notify.conftest import alertmanager_config
from tests.support.components import Running, start_alertmanager, start_daemon
from tests.support.httpsink import Answer, HttpSink
from watchdog.alerts import iso_time
from watchdog.journal import JOURNAL_FILE, Journal
from watchdog.notify.notices import RESTORED_ALERTNAME
from watchdog.notify.outbox import Outbox
from watchdog.notify.service import OUTBOX_FILE

pytestmark = pytest.mark.slow

INTERVAL, FOR = 1.0, 2.0
DEADLINE = INTERVAL + FOR + 15.0
"""interval + for + a few seconds (generous: two cores shared with other test runs)."""

RULES = {
    "groups": [
        {
            "name": "e2e",
            "rules": [
                {
                    "alert": "WebDown",
                    "expr": 'up{job="web"} == 0',
                    "for": "2s",
                    "labels": {"severity": "critical"},
                    "annotations": {"summary": "{{ $labels.instance }} is down"},
                },
                {
                    "alert": "AlertmanagerDown",
                    "expr": 'up{job="alertmanager"} == 0',
                    "for": "2s",
                    "labels": {"severity": "critical"},
                },
            ],
        }
    ]
}


def daemon_config(workdir: Path, web: int, am: Running | None, hook: str) -> dict[str, Any]:
    """A daemon probing ``web`` (and Alertmanager), with the e2e rules and one webhook."""
    (workdir / "rules.yml").write_text(yaml.safe_dump(RULES))
    targets: list[dict[str, Any]] = [
        {"job": "web", "kind": "http", "url": f"http://127.0.0.1:{web}/"}
    ]
    if am is not None:
        targets.append({"job": "alertmanager", "kind": "http", "url": f"{am.url}/-/healthy"})
    return {
        "global": {
            "interval": "1s",
            "evaluation_interval": "1s",
            "timeout": "500ms",
            "external_labels": {"watchdog": "e2e"},
        },
        "targets": targets,
        "rule_files": [str(workdir / "rules.yml")],
        "alerting": {
            "alertmanagers": [{"url": am.url, "timeout": "2s"}] if am is not None else [],
            "emergency": [{"kind": "webhook", "name": "pager", "url": hook}],
            "resend_delay": "2s",
            "backoff": {"initial": "100ms", "max": "1s"},
        },
    }


@pytest.fixture
def web() -> Iterator[HttpSink]:
    """The watched component: an HTTP server the test can kill and bring back."""
    server = HttpSink().start()
    yield server
    server.stop()


def alerts_at(sink: HttpSink, path: str, name: str, status: str) -> list[dict[str, Any]]:
    """Alerts with this name and status that arrived at ``path``."""
    return [
        a
        for r in sink.records(path)
        for a in r.json()["alerts"]
        if a["labels"]["alertname"] == name and a["status"] == status
    ]


def metric(daemon: Running, name: str) -> float | None:
    """One unlabelled sample from the daemon's /metrics."""
    with urllib.request.urlopen(f"{daemon.url}/metrics", timeout=5) as response:  # noqa: S310
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def test_target_down_alert_goes_through_alertmanager_then_falls_back(
    tmp_path: Path, sink: HttpSink, web: HttpSink
) -> None:
    """Target killed → AM → receiver; AM killed → emergency gets both alerts; AM back → notice."""
    am = start_alertmanager(tmp_path / "am", alertmanager_config(sink))
    daemon = start_daemon(tmp_path / "wd", daemon_config(tmp_path, web.port, am, sink.url("/hook")))
    try:
        web_port = web.port
        web.stop()
        firing = wait_for(
            lambda: alerts_at(sink, "/am", "WebDown", "firing"),
            timeout=DEADLINE,
            message="WebDown through Alertmanager",
        )
        assert firing[0]["labels"]["watchdog"] == "e2e"
        assert firing[0]["annotations"]["summary"] == f"127.0.0.1:{web_port} is down"

        am.process.kill()
        wait_for(
            lambda: alerts_at(sink, "/hook", "AlertmanagerDown", "firing"),
            timeout=DEADLINE,
            message="AlertmanagerDown via the emergency webhook",
        )
        fallback = wait_for(
            lambda: alerts_at(sink, "/hook", "WebDown", "firing"),
            timeout=DEADLINE,
            message="WebDown via the emergency webhook",
        )
        assert (
            f"{am.url}: connection failed" in fallback[0]["annotations"]["watchdog_fallback_reason"]
        )
        assert metric(daemon, "watchdog_fallback_active") == 1

        am = start_alertmanager(tmp_path / "am", alertmanager_config(sink), port=am.port)
        wait_for(
            lambda: alerts_at(sink, "/hook", RESTORED_ALERTNAME, "resolved"),
            timeout=DEADLINE,
            message="the 'Alertmanager is back' notice",
        )
        back = HttpSink(web_port).start()
        try:
            wait_for(
                lambda: alerts_at(sink, "/am", "WebDown", "resolved"),
                timeout=DEADLINE,
                message="WebDown resolved through Alertmanager",
            )
            wait_for(
                lambda: alerts_at(sink, "/hook", "WebDown", "resolved"),
                timeout=DEADLINE,
                message="resolved follow-up to the receiver that got the firing",
            )
        finally:
            back.stop()
        assert len(alerts_at(sink, "/hook", RESTORED_ALERTNAME, "resolved")) == 1
    finally:
        daemon.stop()
        am.stop()
    journal = Journal(tmp_path / "wd" / "state" / JOURNAL_FILE, readonly=True)
    assert journal.verify().ok
    entries = list(journal.entries())
    kinds = {e.kind for e in entries}
    assert {"start", "alert", "queued", "delivery", "fallback", "stop"} <= kinds
    alerts = [e.fields() for e in entries if e.kind == "alert"]
    web_down = [(a["from"], a["to"]) for a in alerts if a["alertname"] == "WebDown"]
    assert web_down[:2] == [("inactive", "pending"), ("pending", "firing")]
    assert ("firing", "inactive") in web_down


def test_sigkill_during_webhook_outage_loses_nothing(tmp_path: Path, web: HttpSink) -> None:
    """Daemon killed -9 with undelivered notifications; restarted with the webhook back:
    every recorded notification is delivered exactly as recorded, firing before resolved."""
    hook_port = free_port()
    hook = f"http://127.0.0.1:{hook_port}/hook"
    config = daemon_config(tmp_path, web.port, None, hook)
    daemon = start_daemon(tmp_path / "wd", config)
    web_port = web.port
    web.stop()
    wait_for(
        lambda: (metric(daemon, "watchdog_outbox_depth") or 0) >= 1,
        timeout=DEADLINE,
        message="firing notification waiting in the outbox",
    )
    back = HttpSink(web_port).start()
    state = tmp_path / "wd" / "state"
    try:

        def resolved_recorded() -> bool:
            box = Outbox(state / OUTBOX_FILE, max_items=10_000, max_age=86_400)
            try:
                return any(r.notification.status == "resolved" for r in box.pending())
            finally:
                box.close()

        wait_for(resolved_recorded, timeout=DEADLINE, message="resolved notification recorded")
        daemon.process.kill()
    finally:
        back.stop()
    box = Outbox(state / OUTBOX_FILE, max_items=10_000, max_age=86_400)
    recorded = [r.notification for r in box.pending()]
    box.close()
    firsts: dict[tuple[str, str], Any] = {}
    for n in recorded:
        firsts.setdefault((n.fingerprint, n.status), n)
    assert {status for _, status in firsts} == {"firing", "resolved"}

    receiver = HttpSink(hook_port).start()
    daemon = start_daemon(tmp_path / "wd", config, port=daemon.port)
    try:

        def delivered() -> list[dict[str, Any]]:
            got = [a for r in receiver.records("/hook") for a in r.json()["alerts"]]
            keys = {(a["fingerprint"], a["status"]) for a in got}
            return got if set(firsts) <= keys else []

        got = wait_for(delivered, timeout=DEADLINE, message="replay after restart")
        wait_for(
            lambda: metric(daemon, "watchdog_outbox_depth") == 0,
            timeout=DEADLINE,
            message="outbox empty",
        )
    finally:
        daemon.stop()
        receiver.stop()
    for (fingerprint, status), note in firsts.items():
        match = next(a for a in got if (a["fingerprint"], a["status"]) == (fingerprint, status))
        expected = {k: v for k, v in note.annotations.items() if not k.startswith("watchdog_")}
        shown = {k: v for k, v in match["annotations"].items() if not k.startswith("watchdog_")}
        recorded_probe = note.annotations.get("watchdog_probe_error")
        assert match["annotations"].get("watchdog_probe_error") == recorded_probe
        assert match["labels"] == dict(note.labels)
        assert shown == expected
        assert match["generatorURL"] == note.generator_url
        assert match["startsAt"] == iso_time(note.starts_at)
        if status == "resolved":
            assert match["endsAt"] == iso_time(note.ends_at)
    order = [a["status"] for a in got if a["labels"]["alertname"] == "WebDown"]
    assert order.index("firing") < order.index("resolved")


def test_missing_heartbeat_fires_builtin_rule_straight_to_emergency(
    tmp_path: Path, sink: HttpSink, web: HttpSink
) -> None:
    """No Watchdog heartbeat within the window: the built-in alert reaches the emergency
    receiver although Alertmanager accepts; a heartbeat arriving resolves it."""
    config = daemon_config(tmp_path, web.port, None, sink.url("/hook"))
    config["alerting"]["alertmanagers"] = [{"url": sink.url("/am")}]
    config["alerting"]["heartbeat_in"] = {"window": "3s"}
    daemon = start_daemon(tmp_path / "wd", config)
    try:
        missing = wait_for(
            lambda: alerts_at(sink, "/hook", "WatchdogHeartbeatMissing", "firing"),
            timeout=DEADLINE,
            message="heartbeat-missing alert",
        )
        assert (
            "Alertmanager path is broken" in missing[0]["annotations"]["watchdog_fallback_reason"]
        )
        assert metric(daemon, "watchdog_fallback_active") == 0
        heartbeat = json.dumps(
            {
                "version": "4",
                "status": "firing",
                "alerts": [{"status": "firing", "labels": {"alertname": "Watchdog"}}],
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL
            f"{daemon.url}/api/v1/heartbeat",
            data=heartbeat,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert json.loads(response.read())["status"] == "accepted"
        wait_for(
            lambda: alerts_at(sink, "/hook", "WatchdogHeartbeatMissing", "resolved"),
            timeout=DEADLINE,
            message="heartbeat-missing resolved",
        )
    finally:
        daemon.stop()


def test_sigterm_during_outage_exits_cleanly_and_keeps_the_outbox(
    tmp_path: Path, web: HttpSink
) -> None:
    """SIGTERM while the only receiver hangs: exit 0 after the bounded drain, the firing
    notification stays in the outbox and is delivered after the restart."""
    hook_port = free_port()
    receiver = HttpSink(hook_port).start()
    receiver.behaviour = lambda _r: Answer.hang()  # the receiver accepts and never answers
    config = daemon_config(tmp_path, web.port, None, f"http://127.0.0.1:{hook_port}/hook")
    config["alerting"]["drain_timeout"] = "1s"
    daemon = start_daemon(tmp_path / "wd", config)
    try:
        web.stop()
        wait_for(
            lambda: (metric(daemon, "watchdog_outbox_depth") or 0) >= 1,
            timeout=DEADLINE,
            message="firing notification waiting in the outbox",
        )
        wait_for(lambda: receiver.records("/hook"), timeout=DEADLINE, message="a send under way")
        assert daemon.stop() == 0  # SIGTERM; ManagedProcess would SIGKILL after 10 s
    finally:
        receiver.stop()
    state = tmp_path / "wd" / "state"
    box = Outbox(state / OUTBOX_FILE, max_items=10_000, max_age=86_400)
    pending = [r.notification.alertname for r in box.pending()]
    box.close()
    assert "WebDown" in pending

    receiver = HttpSink(hook_port).start()
    daemon = start_daemon(tmp_path / "wd", config, port=daemon.port)
    try:
        wait_for(
            lambda: alerts_at(receiver, "/hook", "WebDown", "firing"),
            timeout=DEADLINE,
            message="the kept notification delivered after restart",
        )
    finally:
        daemon.stop()
        receiver.stop()
