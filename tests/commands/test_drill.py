"""``monitor-watchdog drill`` against real Alertmanagers and local receivers."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.commands.conftest import CliRun
from tests.support.components import Running, start_alertmanager
from tests.support.httpsink import Answer, HttpSink, Recorded
from watchdog.journal import JOURNAL_FILE, Journal

Cli = Callable[..., CliRun]

WEBHOOK_SECRET = "wh-0123456789abcdef-secret"
SLACK_SECRET = "T0000/B0000/slack-9876543210-secret"
HEARTBEAT_SECRET = "ping-55aa55aa55aa-secret"
ROUTING_KEY = "pd-routing-key-R0UT1NG-secret"
SECRETS = (WEBHOOK_SECRET, SLACK_SECRET, HEARTBEAT_SECRET, ROUTING_KEY)


def _pagerduty(record: Recorded) -> Answer:
    """Answer like the Events API v2: 202 with the dedup key."""
    if record.path != "/v2/enqueue":
        return Answer()
    key = record.json().get("dedup_key", "")
    body = json.dumps({"status": "success", "message": "Event processed", "dedup_key": key})
    return Answer(202, {"Content-Type": "application/json"}, body.encode())


@dataclass
class Stack:
    """Two Alertmanager replicas (the second stopped) and one sink for every receiver."""

    live: Running
    stopped_url: str
    sink: HttpSink
    workdir: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Started once for the module; everything stopped by PID at the end."""
    workdir = tmp_path_factory.mktemp("drill")
    am_config = {"route": {"receiver": "null"}, "receivers": [{"name": "null"}]}
    live = start_alertmanager(workdir / "am0", am_config)
    gone = start_alertmanager(workdir / "am1", am_config)
    gone.stop()
    sink = HttpSink().start()
    sink.behaviour = _pagerduty
    try:
        yield Stack(live, gone.url, sink, workdir)
    finally:
        sink.stop()
        live.stop()


def _config(tmp_path: Path, stack: Stack, **alerting: Any) -> Path:
    (tmp_path / "slack-url").write_text(stack.sink.url(f"/services/{SLACK_SECRET}") + "\n")
    (tmp_path / "pd-key").write_text(ROUTING_KEY + "\n")
    config = {
        "state_dir": str(tmp_path / "state"),
        "global": {"external_labels": {"watchdog": "bastion-test"}},
        "alerting": alerting,
    }
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _every_channel(tmp_path: Path, stack: Stack) -> Path:
    return _config(
        tmp_path,
        stack,
        alertmanagers=[{"url": stack.live.url}, {"url": stack.stopped_url, "timeout": "2s"}],
        emergency=[
            {"kind": "webhook", "url": stack.sink.url(f"/hooks/{WEBHOOK_SECRET}")},
            {"kind": "slack", "url_file": "slack-url"},
            {
                "kind": "pagerduty",
                "routing_key_file": "pd-key",
                "url": stack.sink.url("/v2/enqueue"),
            },
        ],
        heartbeat={"url": stack.sink.url(f"/ping/{HEARTBEAT_SECRET}")},
    )


def _drill_alerts(url: str, drill: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"filter": f'drill="{drill}"'})
    with urllib.request.urlopen(f"{url}/api/v2/alerts?{query}", timeout=5) as answer:  # noqa: S310
        alerts: list[dict[str, Any]] = json.load(answer)
    return alerts


def test_every_channel_is_drilled_and_reported(cli: Cli, tmp_path: Path, stack: Stack) -> None:
    """A stopped replica fails, everything else passes; receivers, report and journal agree."""
    stack.sink.clear()
    config = _every_channel(tmp_path, stack)
    state = tmp_path / "state"
    daemon_journal = Journal(state / JOURNAL_FILE)  # the "running daemon" holds it open
    daemon_journal.append("start", {}, 1.0)

    result = cli("drill", "-c", str(config), "--timeout", "5s")

    assert result.code == 1, result.stdout + result.stderr
    (markdown,) = (state / "drills").glob("drill-*.md")
    report = json.loads(markdown.with_suffix(".json").read_text())
    drill = report["drill"]
    assert markdown.name == f"drill-{drill}.md"
    assert f"report: {markdown}" in result.stdout
    assert f"DR drill {drill}: FAILED, 5 of 6 channels passed" in result.stdout
    assert (report["passed"], report["summary"]) == (False, "5 of 6 channels passed")
    channels = {c["channel"]: c for c in report["channels"]}
    live = channels[f"alertmanager {stack.live.url}"]
    assert (live["outcome"], live["passed"]) == ("accepted", True)
    steps = [s["step"] for s in live["steps"]]
    assert steps == ["send", "verify", "notify", "resolve", "verify resolved"]
    assert live["steps"][2]["detail"] == "accepted by Alertmanager, notification not verified"
    assert all(s["at"] for s in live["steps"]), "every step carries its time"
    line = next(x for x in result.stdout.splitlines() if x.startswith("  PASS  alertmanager"))
    assert line.count(stack.live.url) == 1, "the channel's name is printed once"
    assert "accepted by Alertmanager, notification not verified" in line
    assert live["latency_seconds"] > 0
    dead = channels[f"alertmanager {stack.stopped_url}"]
    assert (dead["outcome"], dead["passed"]) == ("failed", False)
    assert dead["error"] == "send: connection failed: connection refused"
    for name in ("webhook", "slack", "pagerduty", "heartbeat"):
        assert (channels[name]["outcome"], channels[name]["passed"]) == ("accepted", True), name
    assert _drill_alerts(stack.live.url, drill) == [], "the drill alert was resolved"

    hooks = [r.json() for r in stack.sink.records(f"/hooks/{WEBHOOK_SECRET}")]
    assert [h["status"] for h in hooks] == ["firing", "resolved"]
    labels = hooks[0]["alerts"][0]["labels"]
    assert labels == {
        "alertname": "WatchdogDRDrill",
        "severity": "none",
        "drill": drill,
        "watchdog": "bastion-test",
    }
    assert "DR drill" in hooks[0]["alerts"][0]["annotations"]["summary"]
    slack = [r.json() for r in stack.sink.records(f"/services/{SLACK_SECRET}")]
    assert len(slack) == 2
    assert "WatchdogDRDrill" in slack[0]["text"] and "DR drill" in slack[0]["text"]
    events = [r.json() for r in stack.sink.records("/v2/enqueue")]
    assert [e["event_action"] for e in events] == ["trigger", "resolve"]
    assert events[0]["dedup_key"] == events[1]["dedup_key"]
    assert events[0]["routing_key"] == ROUTING_KEY
    assert events[0]["payload"]["severity"] == "info"
    assert events[0]["payload"]["custom_details"]["labels"]["drill"] == drill
    (ping,) = stack.sink.records(f"/ping/{HEARTBEAT_SECRET}")
    assert ping.method == "GET"

    daemon_journal.append("stop", {}, 2.0)  # the daemon's next entry links to the drill's
    assert daemon_journal.verify().ok
    entries = [e.fields() for e in daemon_journal.entries(kind="drill")]
    daemon_journal.close()
    assert sorted(e["channel"] for e in entries) == sorted(channels)
    assert all(e["drill"] == drill for e in entries)
    assert f"recorded 6 entries (#2 to #7) in {state / JOURNAL_FILE}" in result.stdout

    written = result.stdout + result.stderr + markdown.read_text()
    written += markdown.with_suffix(".json").read_text()
    for secret in SECRETS:
        assert secret not in written


def test_all_channels_passing_exits_0(cli: Cli, tmp_path: Path, stack: Stack) -> None:
    """One live replica and a heartbeat: exit 0, report in --report-dir, no journal needed."""
    config = _config(
        tmp_path,
        stack,
        alertmanagers=[{"url": stack.live.url}],
        heartbeat={"url": stack.sink.url(f"/ping/{HEARTBEAT_SECRET}")},
    )
    reports = tmp_path / "reports"
    result = cli("drill", "-c", str(config), "--report-dir", str(reports), "--timeout", "5s")
    assert result.code == 0, result.stdout + result.stderr
    assert "PASSED, 2 of 2 channels passed" in result.stdout
    assert len(list(reports.glob("drill-*.json"))) == 1
    assert "journal: no journal at" in result.stdout
    assert not (tmp_path / "state" / JOURNAL_FILE).exists(), "the drill creates no journal"


def test_config_errors_exit_2(cli: Cli, tmp_path: Path, stack: Stack) -> None:
    """An invalid config, and a config without any channel, both exit 2 and drill nothing."""
    stack.sink.clear()
    bad = _config(tmp_path, stack, alertmanagers=[{"url": "not a url"}])
    result = cli("drill", "-c", str(bad))
    assert result.code == 2
    assert result.stderr.startswith(f"{bad}:")
    assert "alertmanagers[0].url" in result.stderr
    empty = _config(tmp_path, stack)
    result = cli("drill", "-c", str(empty))
    assert result.code == 2
    assert "configures nothing to drill (the vault-restore stage needs drill.vault_restore" in (
        result.stderr
    )
    assert "the alerting stage needs an alert channel" in result.stderr
    assert stack.sink.records() == []
    assert not (tmp_path / "state").exists()
