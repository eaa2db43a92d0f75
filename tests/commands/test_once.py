"""``monitor-watchdog once``: one round against real local servers, verdicts, read-only state."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from devstack.procs import free_port
from tests.commands.conftest import CliRun
from tests.support.loopthread import LoopThread
from watchdog.probes.kinds.logcanary.persist import StateFile
from watchdog.probes.kinds.logcanary.state import CanaryState
from watchdog.rules.alerting import Alert, AlertState
from watchdog.rules.files import load_rule_files
from watchdog.rules.persist import STATE_FILE, AlertStateStore
from watchdog.samples import LabelSet

Cli = Callable[..., CliRun]

RULES = """\
groups:
  - name: availability
    rules:
      - alert: TargetDown
        expr: up == 0
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} is unreachable"
      - alert: TargetDownFor2m
        expr: up == 0
        for: 2m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.job }} down for 2m"
"""


class Targets:
    """Local aiohttp servers: one healthy, one that never answers; plus a port nobody serves."""

    def __init__(self) -> None:
        self.loop = LoopThread("once-targets").start()
        self.release = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = free_port()
        self.down_port = free_port()

    async def _start(self) -> None:
        async def healthy(_request: web.Request) -> web.Response:
            return web.Response(text="ok")

        async def hang(_request: web.Request) -> web.Response:
            await self.release.wait()
            return web.Response(text="too late")

        app = web.Application()
        app.add_routes([web.get("/healthy", healthy), web.get("/hang", hang)])
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        self.release.set()
        if self.runner is not None:
            await self.runner.cleanup()

    def url(self, path: str) -> str:
        """A URL on the live server."""
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def targets() -> Iterator[Targets]:
    """The servers, started once for the module."""
    servers = Targets()
    servers.loop.run(servers._start())
    yield servers
    servers.loop.run(servers._stop())
    servers.loop.stop()


def _target(job: str, url: str, timeout: str = "2s") -> dict[str, Any]:
    return {"job": job, "kind": "http", "url": url, "timeout": timeout, "interval": "15s"}


def _config(tmp_path: Path, targets: list[dict[str, Any]], rules: str = RULES) -> Path:
    (tmp_path / "rules.yaml").write_text(rules)
    config = {
        "state_dir": str(tmp_path / "state"),
        "rule_files": ["rules.yaml"],
        "targets": targets,
    }
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _three(targets: Targets) -> list[dict[str, Any]]:
    return [
        _target("web", targets.url("/healthy")),
        _target("gone", f"http://127.0.0.1:{targets.down_port}/"),
        _target("stuck", targets.url("/hang"), timeout="1s"),
    ]


def test_all_healthy_exits_0(cli: Cli, tmp_path: Path, targets: Targets) -> None:
    """One healthy target and no alert: exit 0, the target listed as up, no alerts."""
    result = cli("once", "-c", str(_config(tmp_path, [_target("web", targets.url("/healthy"))])))
    assert result.code == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("web "))
    assert row.split()[:5] == ["web", f"127.0.0.1:{targets.port}", "http", "up", "1"]
    assert "ALERTS (0 would fire, 0 pending, 0 would resolve)" in result.stdout
    assert result.stdout.rstrip().endswith("exit 0: all targets healthy, no alert would fire")
    assert "\x1b[" not in result.stdout, "no colours when stdout is not a terminal"


def test_down_and_hanging_targets_exit_1_with_a_table(
    cli: Cli, tmp_path: Path, targets: Targets
) -> None:
    """A refused and a hanging target: exit 1, each error shown, for: 0 fires, for: 2m pends."""
    result = cli("once", "--no-color", "-c", str(_config(tmp_path, _three(targets))))
    assert result.code == 1, result.stderr
    lines = result.stdout.splitlines()

    def row(prefix: str) -> str:
        return next(line for line in lines if line.startswith(prefix))

    assert row("web ").split()[3] == "up"
    assert row("gone ").split()[3] == "down"
    assert "connection failed: connection refused" in row("gone ")
    assert row("stuck ").split()[3] == "down"
    assert "probe timed out after 1s" in row("stuck ")
    assert "ALERTS (2 would fire, 2 pending, 0 would resolve)" in lines
    firing = [line for line in lines if line.startswith("TargetDown ")]
    assert len(firing) == 2
    assert all("WOULD FIRE" in line and "for: 0 fires at once" in line for line in firing)
    assert any("job=gone" in line and "gone is unreachable" in line for line in firing)
    pending = [line for line in lines if line.startswith("TargetDownFor2m ")]
    assert len(pending) == 2
    assert all("pending (needs 2m)" in line for line in pending)
    assert lines[-1] == "exit 1: 2 alert(s) would fire; 2 target(s) down"


def test_json_has_targets_alerts_and_the_verdict(
    cli: Cli, tmp_path: Path, targets: Targets
) -> None:
    """--json: one document with per-target health, per-alert state and the exit code."""
    result = cli("once", "--json", "-c", str(_config(tmp_path, _three(targets))))
    assert result.code == 1
    doc = json.loads(result.stdout)
    assert doc["version"] == 1
    assert (doc["exit_code"], doc["healthy"]) == (1, False)
    assert doc["reasons"] == ["2 alert(s) would fire", "2 target(s) down"]
    by_job = {t["job"]: t for t in doc["targets"]}
    assert set(by_job) == {"web", "gone", "stuck"}
    assert by_job["web"] | {"duration_seconds": 0} == {
        "job": "web",
        "instance": f"127.0.0.1:{targets.port}",
        "kind": "http",
        "health": "up",
        "up": True,
        "probe_success": True,
        "duration_seconds": 0,
        "facts": by_job["web"]["facts"],
        "error": None,
    }
    assert by_job["stuck"]["error"] == "probe timed out after 1s"
    assert by_job["gone"]["up"] is False
    states = sorted((a["alertname"], a["labels"]["job"], a["state"]) for a in doc["alerts"])
    assert states == [
        ("TargetDown", "gone", "firing"),
        ("TargetDown", "stuck", "firing"),
        ("TargetDownFor2m", "gone", "pending"),
        ("TargetDownFor2m", "stuck", "pending"),
    ]
    pending = next(a for a in doc["alerts"] if a["state"] == "pending")
    assert (pending["for_seconds"], pending["remaining_seconds"]) == (120.0, 120.0)
    assert pending["would_fire"] is False
    assert pending["from_saved_state"] is False
    assert doc["rules"]["groups"] == 1 and doc["rules"]["rules"] == 2
    assert doc["rules"]["errors"] == []


def _snapshot(directory: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``directory``: size, mtime and content hash.

    A WAL reader's read marks live in ``-shm`` (shared memory every connection updates), so
    its content is left out; its existence is still compared.
    """
    return {str(p.relative_to(directory)): _fingerprint(p) for p in sorted(directory.rglob("*"))}


def _fingerprint(path: Path) -> tuple[int, int, str]:
    if path.is_dir() or path.name.endswith("-shm"):
        return (0, 0, "")
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def _saved_state(state_dir: Path, rules: Path, now: float, gone: str, web: str) -> AlertStateStore:
    """The daemon's saved alerts: ``gone`` pending 150s of 2m, ``web`` firing (healthy now)."""
    (group,) = load_rule_files([rules])
    rule = next(r for r in group.rules if r.name == "TargetDownFor2m")

    def row(job: str, instance: str, state: AlertState, since: float) -> tuple[str, str, Alert]:
        labels = {"alertname": rule.name, "job": job, "instance": instance, "severity": "warning"}
        fired = since + 120 if state is AlertState.FIRING else None
        alert = Alert(LabelSet(labels), {}, state, active_at=since, fired_at=fired)
        return rule.name, rule.definition(), alert

    store = AlertStateStore(state_dir / STATE_FILE)
    store.save_group(
        group.key,
        now - 5,
        [
            row("gone", gone, AlertState.PENDING, now - 150),
            row("web", web, AlertState.FIRING, now - 600),
        ],
    )
    return store


@pytest.mark.parametrize("daemon_running", [False, True], ids=["daemon-stopped", "daemon-running"])
def test_saved_state_is_honoured_and_state_dir_is_left_untouched(
    cli: Cli, tmp_path: Path, targets: Targets, daemon_running: bool
) -> None:
    """Daemon state: a pending alert past its for fires, a firing one resolves; no file changes."""
    config = _config(tmp_path, _three(targets)[:2])
    state_dir = tmp_path / "state"
    StateFile(state_dir, "canary/pipeline").save(CanaryState(started_at=1.0))
    store = _saved_state(
        state_dir,
        tmp_path / "rules.yaml",
        time.time(),
        gone=f"127.0.0.1:{targets.down_port}",
        web=f"127.0.0.1:{targets.port}",
    )
    if not daemon_running:
        store.close()  # a stopped daemon leaves only the database file
    before = _snapshot(state_dir)

    result = cli("once", "--json", "-c", str(config))

    assert _snapshot(state_dir) == before, "once changed a file in state_dir"
    if daemon_running:
        store.close()
    else:
        assert sorted(p.name for p in state_dir.iterdir()) == ["logcanary", STATE_FILE]
    doc = json.loads(result.stdout)
    assert doc["rules"]["saved_state"].startswith("read 2 saved alert(s)")
    slow = {a["labels"]["job"]: a for a in doc["alerts"] if a["alertname"] == "TargetDownFor2m"}
    assert slow["gone"]["state"] == "firing"
    assert slow["gone"]["from_saved_state"] is True
    assert "for 2m has elapsed" in slow["gone"]["reason"]
    assert slow["web"]["state"] == "resolved"
    assert result.code == 1


def test_invalid_rule_file_exits_2_with_file_and_line(cli: Cli, tmp_path: Path) -> None:
    """A rule file error: exit 2, the same file:line message as ``check``, nothing probed."""
    broken = RULES.replace("expr: up == 0\n        for: 2m", "expr: up ==\n        for: 2m")
    config = _config(tmp_path, [_target("web", "http://127.0.0.1:9/")], rules=broken)
    result = cli("once", "-c", str(config))
    checked = cli("check", "-c", str(config))
    assert result.code == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'rules.yaml'}:11: groups[0].rules[1].expr:")
    assert first in checked.stderr.splitlines()


def test_invalid_config_exits_2(cli: Cli, tmp_path: Path) -> None:
    """An unknown key in the config: exit 2 and the file:line of the key."""
    config = tmp_path / "watchdog.yml"
    config.write_text("state_dir: /tmp/x\ntargets: []\nbogus: 1\n")
    result = cli("once", "-c", str(config))
    assert result.code == 2
    assert result.stderr.startswith(f"{config}:3: bogus:")


def test_log_canary_reads_the_daemons_state_and_leaves_it(cli: Cli, tmp_path: Path) -> None:
    """The canary probe sees the daemon's rate limit (its state was copied) and writes nothing."""
    down = f"http://127.0.0.1:{free_port()}"
    canary = {
        "job": "log-canary",
        "instance": "bastion-1",
        "kind": "logcanary",
        "timeout": "2s",
        "emit": {"kind": "file", "path": str(tmp_path / "app.log")},
        "backends": [{"name": "loki", "kind": "loki", "url": down, "selector": '{job="x"}'}],
        "min_emit_interval": "1m",
    }
    config = _config(tmp_path, [canary], rules="groups: []\n")
    state_dir = tmp_path / "state"
    saved = CanaryState(started_at=time.time() - 3600, emitted_total=7, last_emit_at=time.time())
    StateFile(state_dir, "log-canary/bastion-1").save(saved)
    before = _snapshot(state_dir)

    result = cli("once", "--json", "-c", str(config))

    assert _snapshot(state_dir) == before
    assert not (tmp_path / "app.log").exists(), "rate-limited by the daemon's state: no emission"
    (target,) = json.loads(result.stdout)["targets"]
    assert target["facts"]["emit"].startswith("rate limited: last canary")
