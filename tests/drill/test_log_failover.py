"""The log-failover stage against the devstack log pipeline (fake Loki and Elasticsearch behind
a buffering shipper, in a process of its own), with stop/start commands that really stop and
start the fake primary; the start command runs even when the drill gets SIGINT or SIGTERM."""

from __future__ import annotations

import json
import signal
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.polling import wait_for
from devstack.procs import REPO, ManagedProcess, free_port
from tests.commands.conftest import CliRun
from tests.support.components import require_binary

pytestmark = pytest.mark.slow

Cli = Callable[..., CliRun]


@dataclass
class Pipeline:
    """The running pipeline process and its ports."""

    process: ManagedProcess
    ports: dict[str, int]
    app_log: Path

    def control(self, path: str) -> str:
        return f"http://127.0.0.1:{self.ports['control']}{path}"

    def backends(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.control("/backends"), timeout=5) as answer:  # noqa: S310
            state: dict[str, Any] = json.load(answer)
        return state

    def loki_running(self) -> bool:
        return bool(self.backends()["loki"]["running"])


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """``python -m devstack.demo.logpipeline`` on free ports, stopped by PID at the end."""
    workdir = tmp_path_factory.mktemp("logs")
    app_log = workdir / "app.log"
    app_log.touch()
    ports = {name: free_port() for name in ("loki", "elasticsearch", "fluentbit", "control")}
    args = [sys.executable, "-m", "devstack.demo.logpipeline", "--file", str(app_log)]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    process = ManagedProcess(
        args, workdir / "pipeline.log", env={"PYTHONPATH": str(REPO)}, cwd=REPO
    )
    try:
        process.wait_http(f"http://127.0.0.1:{ports['control']}/-/healthy")
        yield Pipeline(process, ports, app_log)
    finally:
        process.stop()


def _config(tmp_path: Path, pipeline: Pipeline, **failover: Any) -> Path:
    curl = require_binary("curl")

    def command(path: str) -> dict[str, Any]:
        return {"command": [curl, "-sfS", "-X", "POST", pipeline.control(path)], "timeout": "10s"}

    settings = {
        "canary": "log-canary",
        "stop": command("/backends/loki/stop"),
        "start": command("/backends/loki/start"),
        "canaries": 2,
        "spacing": "500ms",
        "poll": "250ms",
        "targets": {"secondary": "15s", "recovery": "20s"},
        **failover,
    }
    config = {
        "state_dir": str(tmp_path / "state"),
        "targets": [
            {
                "job": "log-canary",
                "kind": "logcanary",
                "emit": {"kind": "file", "path": str(pipeline.app_log)},
                "primary": "loki",
                "backends": [
                    {
                        "name": "loki",
                        "kind": "loki",
                        "url": f"http://127.0.0.1:{pipeline.ports['loki']}",
                        "selector": '{job="fluent-bit"}',
                    },
                    {
                        "name": "elasticsearch",
                        "kind": "elasticsearch",
                        "url": f"http://127.0.0.1:{pipeline.ports['elasticsearch']}",
                        "index": "logs-*",
                    },
                ],
            }
        ],
        "drill": {"log_failover": settings},
    }
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _failover(tmp_path: Path) -> dict[str, Any]:
    (path,) = (tmp_path / "state" / "drills").glob("drill-*.json")
    report: dict[str, Any] = json.loads(path.read_text())
    (result,) = [c for c in report["channels"] if c["stage"] == "log-failover"]
    return {"report": report, "result": result, "steps": {s["step"]: s for s in result["steps"]}}


def test_the_secondary_keeps_receiving_and_the_primary_catches_up(
    cli: Cli, tmp_path: Path, pipeline: Pipeline
) -> None:
    """Loki stopped: Elasticsearch gets every canary in time, Loki none; back, it gets the
    backlog the shipper buffered."""
    config = _config(tmp_path, pipeline)
    result = cli("drill", "-c", str(config), "--stage", "log-failover")
    assert result.code == 0, result.stdout + result.stderr
    found = _failover(tmp_path)
    steps = found["steps"]
    for name in ("baseline", "stop command", "primary stopped", "start command"):
        assert steps[name]["ok"] is True, steps[name]
    received = steps["elasticsearch receives"]
    assert received["ok"] is True
    assert 0 < received["latency_seconds"] <= received["target_seconds"] == 15
    assert "2 of 2 outage canaries arrived" in received["detail"]
    assert "loki received nothing (its searches fail: " in steps["primary stopped"]["detail"]
    assert steps["primary receives again"]["ok"] is True
    assert steps["backlog"]["ok"] is True
    assert "all 2 outage canaries reached loki" in steps["backlog"]["detail"]
    commands = found["result"]["commands"]
    assert [(c["purpose"], c["exit_code"]) for c in commands] == [
        ("stop command", 0),
        ("start command", 0),
    ]
    assert '"running": false' in commands[0]["output"].replace(
        '"running":false', '"running": false'
    )
    assert pipeline.loki_running()


def test_a_failing_stop_command_fails_the_stage_and_start_still_runs(
    cli: Cli, tmp_path: Path, pipeline: Pipeline
) -> None:
    """curl fails on a 404: nothing is measured, the start command runs anyway, exit 1."""
    curl = require_binary("curl")
    wrong = {"command": [curl, "-sfS", "-X", "POST", pipeline.control("/backends/nope/stop")]}
    config = _config(tmp_path, pipeline, stop=wrong)
    result = cli("drill", "-c", str(config), "--stage", "log-failover")
    assert result.code == 1
    found = _failover(tmp_path)
    stop, start = found["result"]["commands"]
    assert (stop["exit_code"], start["exit_code"]) == (22, 0)
    assert "404" in stop["output"]
    assert found["steps"]["stop command"]["ok"] is False
    assert "elasticsearch receives" not in found["steps"]
    assert found["result"]["error"].startswith("stop command: ")


def test_without_stage_the_disruptive_stage_is_left_out_and_dry_run_touches_nothing(
    cli: Cli, tmp_path: Path, pipeline: Pipeline
) -> None:
    """Configured but not named: not run (exit 2, says how); --dry-run prints the plan only."""
    config = _config(tmp_path, pipeline)
    result = cli("drill", "-c", str(config))
    assert result.code == 2
    assert "log-failover left out: disruptive (stops the primary log backend:" in result.stderr
    assert "--stage log-failover" in result.stderr
    planned = cli("drill", "-c", str(config), "--stage", "log-failover", "--dry-run")
    assert planned.code == 0, planned.stderr
    assert "log-failover — DISRUPTIVE: stops the primary log backend:" in planned.stdout
    assert "/backends/loki/stop" in planned.stdout
    assert "emit 2 canaries 500ms apart" in planned.stdout
    assert not (tmp_path / "state").exists(), "a dry run writes nothing"
    assert pipeline.loki_running()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_drill_still_starts_the_primary(
    tmp_path: Path, pipeline: Pipeline, signum: signal.Signals
) -> None:
    """A real signal to the drill process during the outage: the start command runs, the
    report says so, exit 1."""
    config = _config(tmp_path, pipeline, canaries=40, spacing="1s")
    drill = ManagedProcess(
        [sys.executable, "-m", "watchdog", "drill", "-c", str(config), "--stage", "log-failover"],
        tmp_path / "drill.log",
        env={"PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    try:
        wait_for(lambda: not pipeline.loki_running(), timeout=30, message="the stop command")
        drill.signal(signum)
        drill.proc.wait(timeout=60)
    finally:
        drill.kill()
    output = drill.output()
    assert drill.proc.returncode == 1, output
    assert pipeline.loki_running(), output
    found = _failover(tmp_path)
    assert found["report"]["interrupted"] == signum.name
    steps = found["steps"]
    assert steps["start command"]["ok"] is True
    assert steps["interrupted"]["detail"] == f"the drill got {signum.name}"
    assert f"interrupted by {signum.name}" in output
