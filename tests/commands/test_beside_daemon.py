"""``once`` and ``drill`` next to a running daemon: they read its state and share its journal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from devstack.polling import wait_for
from devstack.procs import free_port
from tests.commands.conftest import CliRun
from tests.support.components import start_daemon
from tests.support.httpsink import HttpSink
from watchdog.journal import JOURNAL_FILE, Journal
from watchdog.once.saved import load_saved_state

RULES = """\
groups:
  - name: availability
    rules:
      - alert: TargetDown
        expr: up == 0
        for: 10m
        labels:
          severity: critical
"""


def test_once_and_drill_beside_a_running_daemon(cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """once sees the daemon's pending alert; drill and daemon journal entries form one chain."""
    workdir = tmp_path / "wd"
    workdir.mkdir()
    (workdir / "rules.yaml").write_text(RULES)
    sink = HttpSink().start()
    config = {
        "global": {"interval": "1s", "evaluation_interval": "1s", "timeout": "500ms"},
        "rule_files": ["rules.yaml"],
        "targets": [{"job": "gone", "kind": "http", "url": f"http://127.0.0.1:{free_port()}/"}],
        "alerting": {"heartbeat": {"url": sink.url("/ping/hb-0123456789ab"), "interval": "1h"}},
    }
    daemon = start_daemon(workdir, config)
    state = workdir / "state"
    try:
        wait_for(lambda: load_saved_state(state).count, timeout=20, message="saved alert state")
        once = cli("once", "--json", "-c", str(workdir / "watchdog.yml"))
        drill = cli("drill", "-c", str(workdir / "watchdog.yml"), "--timeout", "5s")
    finally:
        exit_code = daemon.stop()
        sink.stop()
    assert exit_code == 0
    (alert,) = json.loads(once.stdout)["alerts"]
    assert (alert["alertname"], alert["state"], alert["from_saved_state"]) == (
        "TargetDown",
        "pending",
        True,
    )
    assert 0 < alert["remaining_seconds"] < 600
    assert once.code == 1
    assert drill.code == 0, drill.stdout + drill.stderr
    assert len(sink.records("/ping/hb-0123456789ab")) == 1
    journal = Journal(state / JOURNAL_FILE, readonly=True)
    assert journal.verify().ok
    kinds = [entry.kind for entry in journal.entries()]
    journal.close()
    assert "drill" in kinds
    assert kinds[-1] == "stop", "the daemon's own entry after the drill's joined the chain"
    assert "journal write failed" not in daemon.process.output()
