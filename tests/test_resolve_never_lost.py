"""Resolve never lost: whatever a reload or restart does to a rule, an alert sent as firing
ends with a resolved notification on the active path — through a real Alertmanager, and on
the fallback path to the emergency webhook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.polling import async_wait_for
from devstack.procs import free_port
from tests.support.components import Running, start_alertmanager
from tests.support.httpsink import HttpSink, alertmanager_routing_to
from watchdog.app import Daemon
from watchdog.config.load import load_config

pytestmark = pytest.mark.slow

RULE = {"alert": "WebDown", "expr": 'up{job="web"} == 0', "labels": {"severity": "critical"}}
EDITS: dict[str, Any] = {
    "expr": {**RULE, "expr": 'up{job="web"} == 5'},
    "labels": {**RULE, "labels": {"severity": "warning"}},
    "for": {**RULE, "for": "1h"},
    "rule removed": None,
    "file removed": "no file",
}


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """Where Alertmanager (/am) and the emergency webhook (/hook) deliver."""
    server = HttpSink().start()
    yield server
    server.stop()


@pytest.fixture(params=["alertmanager", "fallback"])
def path(request: pytest.FixtureRequest, tmp_path: Path, sink: HttpSink) -> Iterator[str]:
    """Which path carries the alerts; starts Alertmanager for the first."""
    am: Running | None = None
    if request.param == "alertmanager":
        am = start_alertmanager(tmp_path / "am", alertmanager_routing_to(sink))
        request.node.am_url = am.url
    yield request.param
    if am is not None:
        am.stop()


def write(tmp_path: Path, rule: dict[str, Any] | None, sink: HttpSink, am_url: str | None) -> Path:
    """The config (one dead web target) and, unless ``rule`` is ``"no file"``, its rule file."""
    rules = tmp_path / "rules.yml"
    rule_files: list[str] = []
    if rule != "no file":
        group = {"name": "web", "interval": "200ms", "rules": [rule] if rule else []}
        rules.write_text(yaml.safe_dump({"groups": [group]}))
        rule_files = [str(rules)]
    config = {
        "global": {"interval": "200ms", "timeout": "150ms", "evaluation_interval": "200ms"},
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "state_dir": str(tmp_path / "state"),
        "targets": [{"job": "web", "kind": "http", "url": f"http://127.0.0.1:{DEAD_PORT}/"}],
        "rule_files": rule_files,
        "alerting": {
            "alertmanagers": [{"url": am_url}] if am_url else [],
            "emergency": [{"kind": "webhook", "name": "pager", "url": sink.url("/hook")}],
            "resend_delay": "1s",
            "backoff": {"initial": "50ms", "max": "200ms"},
        },
    }
    file = tmp_path / "watchdog.yaml"
    file.write_text(yaml.safe_dump(config))
    return file


DEAD_PORT = free_port()


def notified(sink: HttpSink, where: str, status: str, severity: str = "critical") -> bool:
    """Whether WebDown with ``severity`` reached ``where`` in ``status``."""
    return any(
        a["labels"]["alertname"] == "WebDown"
        and a["labels"].get("severity") == severity
        and a["status"] == status
        for r in sink.records(where)
        for a in r.json()["alerts"]
    )


async def fired(daemon: Daemon, sink: HttpSink, where: str) -> None:
    """Wait until WebDown was notified firing."""

    async def check() -> bool:
        return notified(sink, where, "firing")

    await async_wait_for(check, timeout=20, message="WebDown firing")


async def resolved(sink: HttpSink, where: str) -> None:
    """Wait until the critical WebDown was notified resolved."""

    async def check() -> bool:
        return notified(sink, where, "resolved")

    await async_wait_for(check, timeout=20, message="WebDown resolved")


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
async def test_reload_ends_every_firing_alert_with_a_resolve(
    tmp_path: Path, sink: HttpSink, path: str, request: pytest.FixtureRequest, edit: str
) -> None:
    """Edit the firing rule's expr, labels or for, or remove the rule or its file, and reload:
    the alert sent as firing gets its resolve (a `for` edit keeps it firing until the target
    recovers, then resolves it)."""
    am_url = getattr(request.node, "am_url", None)
    where = "/am" if path == "alertmanager" else "/hook"
    daemon = Daemon(load_config(write(tmp_path, RULE, sink, am_url)))
    await daemon.start()
    recovered: HttpSink | None = None
    try:
        await fired(daemon, sink, where)
        write(tmp_path, EDITS[edit], sink, am_url)
        result = await daemon.reload("test")
        assert result.ok, result.message
        if edit == "for":
            assert not notified(sink, where, "resolved"), "the edit alone resolves nothing"
            recovered = HttpSink(DEAD_PORT).start()
        await resolved(sink, where)
    finally:
        await daemon.stop()
        if recovered is not None:
            recovered.stop()


async def test_restart_with_the_rule_removed_sends_the_resolve(
    tmp_path: Path, sink: HttpSink, path: str, request: pytest.FixtureRequest
) -> None:
    """The daemon stops with the alert firing; the rule is removed; on start the resolve goes
    out on the active path."""
    am_url = getattr(request.node, "am_url", None)
    where = "/am" if path == "alertmanager" else "/hook"
    daemon = Daemon(load_config(write(tmp_path, RULE, sink, am_url)))
    await daemon.start()
    try:
        await fired(daemon, sink, where)
    finally:
        await daemon.stop()
    assert not notified(sink, where, "resolved")
    daemon = Daemon(load_config(write(tmp_path, None, sink, am_url)))
    await daemon.start()
    try:
        await resolved(sink, where)
    finally:
        await daemon.stop()
