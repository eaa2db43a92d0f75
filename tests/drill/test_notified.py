"""The alerting stage with --hold against real Alertmanagers: a replica that routes the drill
alert to a webhook is seen notifying; one that routes it to a receiver without integrations
fails, saying nobody is notified; without --hold nothing is claimed beyond acceptance."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.commands.conftest import CliRun
from tests.support.components import Running, start_alertmanager
from tests.support.httpsink import HttpSink

pytestmark = pytest.mark.slow

Cli = Callable[..., CliRun]


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Running, Running, HttpSink]]:
    """One Alertmanager routing everything to a webhook sink (group_wait 1s), one to 'null'."""
    workdir = tmp_path_factory.mktemp("notified")
    sink = HttpSink().start()
    routed = {
        "route": {"receiver": "oncall", "group_wait": "1s", "group_interval": "1s"},
        "receivers": [
            {"name": "oncall", "webhook_configs": [{"url": sink.url("/oncall")}]},
        ],
    }
    nowhere = {"route": {"receiver": "null"}, "receivers": [{"name": "null"}]}
    notifying = start_alertmanager(workdir / "am-webhook", routed)
    silent = start_alertmanager(workdir / "am-null", nowhere)
    try:
        yield notifying, silent, sink
    finally:
        notifying.stop()
        silent.stop()
        sink.stop()


def _drill(cli: Cli, tmp_path: Path, urls: list[str], *args: str) -> tuple[CliRun, dict[str, Any]]:
    config = {
        "state_dir": str(tmp_path / "state"),
        "alerting": {"alertmanagers": [{"url": url} for url in urls]},
    }
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config))
    result = cli("drill", "-c", str(path), "--timeout", "5s", *args)
    (report,) = (tmp_path / "state" / "drills").glob("drill-*.json")
    channels = {c["target"]: c for c in json.loads(report.read_text())["channels"]}
    return result, channels


def test_hold_sees_the_webhook_replica_notify_and_the_null_one_not(
    cli: Cli, tmp_path: Path, replicas: tuple[Running, Running, HttpSink]
) -> None:
    """--hold 3s: notified through webhook on one replica; 'nobody is notified' on the other."""
    notifying, silent, sink = replicas
    sink.clear()
    result, channels = _drill(cli, tmp_path, [notifying.url, silent.url], "--hold", "3s")
    assert result.code == 1, result.stdout + result.stderr
    good = channels[notifying.url]
    assert (good["outcome"], good["passed"]) == ("notified", True)
    notify = next(s for s in good["steps"] if s["step"] == "notify")
    assert notify["detail"].startswith("sent on to oncall during the hold (webhook: ")
    assert "that a person read it is not verified" in notify["detail"]
    assert sink.records("/oncall"), "Alertmanager really sent the webhook"
    bad = channels[silent.url]
    assert (bad["outcome"], bad["passed"]) == ("accepted", False)
    assert bad["error"] == "notify: routed to null, which has no integration: nobody is notified"
    assert [s["step"] for s in bad["steps"]][-2:] == ["resolve", "verify resolved"]


def test_without_hold_acceptance_is_all_that_is_claimed(
    cli: Cli, tmp_path: Path, replicas: tuple[Running, Running, HttpSink]
) -> None:
    """No --hold: both replicas pass as accepted, notification not verified, said once each."""
    notifying, silent, _sink = replicas
    result, channels = _drill(cli, tmp_path, [notifying.url, silent.url])
    assert result.code == 0, result.stdout + result.stderr
    for url in (notifying.url, silent.url):
        assert channels[url]["outcome"] == "accepted"
        line = next(x for x in result.stdout.splitlines() if url in x)
        assert "accepted by Alertmanager, notification not verified" in line
    assert "every channel delivered" not in result.stdout.lower()
