"""The daemon as a real subprocess: probes, exports, reacts to a dead target, stops cleanly."""

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

from devstack.polling import async_wait_for
from devstack.procs import free_port, run_watchdog_cli
from tests.support.components import REPO, start_daemon
from tests.support.webapp import serve

SECRET = "query-secret-4711"


async def _get_json(url: str) -> dict:  # type: ignore[type-arg]
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()  # type: ignore[no-any-return]


async def _get_text(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def _hang(_request: web.Request) -> web.Response:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def test_daemon_probes_exports_and_stops(tmp_path: Path) -> None:
    """Targets are probed on schedule, /metrics and the targets API reflect a killed target."""

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text='jobs_waiting{queue="a"} 3\n')

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/hang", _hang)
    closed_port = free_port()
    async with serve(app) as target_url:
        config = {
            "global": {"interval": "500ms", "timeout": "400ms"},
            "targets": [
                {"job": "web", "kind": "http", "url": f"{target_url}/health"},
                {"job": "exporter", "kind": "scrape", "url": f"{target_url}/metrics"},
                {"job": "closed", "kind": "tcp", "address": f"127.0.0.1:{closed_port}"},
                {
                    "job": "slow",
                    "kind": "http",
                    "url": f"{target_url}/hang?token={SECRET}",
                    "interval": "1s",
                    "timeout": "1s",
                },
            ],
        }
        daemon = start_daemon(tmp_path, config)
        base = daemon.url

        async def ready() -> bool:
            return (await _get_text(f"{base}/-/ready"))[0] == 200

        await async_wait_for(ready, timeout=15, message="/-/ready")
        body = await _get_json(f"{base}/api/v1/targets")
        targets = {t["labels"]["job"]: t for t in body["data"]["activeTargets"]}
        assert body["status"] == "success"
        assert targets["web"]["health"] == "up" and targets["web"]["lastError"] == ""
        assert targets["exporter"]["health"] == "up"
        assert targets["closed"]["health"] == "down"
        assert targets["closed"]["lastError"] == (
            f"connect to 127.0.0.1:{closed_port} failed: connection refused"
        )
        assert targets["slow"]["lastError"] == "probe timed out after 1s"
        assert targets["web"]["scrapeInterval"] == "500ms"

        status, exposition = await _get_text(f"{base}/metrics")
        assert status == 200
        assert 'watchdog_target_up{instance="' in exposition
        assert "watchdog_build_info{" in exposition
        assert "watchdog_scheduler_lag_seconds_bucket" in exposition
        assert "watchdog_config_last_reload_successful 1.0" in exposition
        assert "watchdog_store_series " in exposition
    # The target server is gone now: the web target must go down.
    try:

        async def web_down() -> bool:
            body = await _get_json(f"{base}/api/v1/targets")
            web_target = next(
                t for t in body["data"]["activeTargets"] if t["labels"]["job"] == "web"
            )
            return (
                web_target["health"] == "down" and "connection refused" in web_target["lastError"]
            )

        await async_wait_for(web_down, timeout=10, message="web target to go down")
        _status, exposition = await _get_text(f"{base}/metrics")
        assert 'job="web",kind="http"} 0.0' in exposition
    finally:
        # SIGTERM while the "slow" probe is hanging: the daemon must exit 0 by itself.
        code = daemon.stop()
    assert code == 0
    log = [
        json.loads(line) for line in daemon.process.output().splitlines() if line.startswith("{")
    ]
    changes = [e for e in log if e["event"] == "target health changed" and e["job"] == "web"]
    assert [(e["previous"], e["health"]) for e in changes] == [("up", "down")]
    assert log[-1]["event"] == "stopped"
    assert SECRET not in daemon.process.output()


def test_check_command_names_the_line(tmp_path: Path) -> None:
    """`monitor-watchdog check` exits 2 (invalid config) and prints file:line: key: reason."""
    config = tmp_path / "bad.yaml"
    config.write_text("global:\n  interval: 15s\ntargets:\n  - {job: x, kind: tcp, adress: y}\n")
    result = run_watchdog_cli("check", "-c", str(config))
    assert result.returncode == 2
    assert f"{config}:4: targets[0].adress: unknown key (did you mean 'address'?)" in result.stderr
    assert f"{config}:4: targets[0].address: required key is missing" in result.stderr


def test_run_refuses_a_bad_config_with_exit_code_2(tmp_path: Path) -> None:
    """The daemon does not start on an invalid config; it logs every issue and exits 2."""
    config = tmp_path / "bad.yaml"
    config.write_text("server: {listen: nowhere}\n")
    result = subprocess.run(
        [sys.executable, "-m", "watchdog", "--log-format", "json", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert "server.listen: listen address 'nowhere' must be host:port" in result.stdout


def test_sigint_also_stops_cleanly(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) stops the daemon with exit code 0."""
    daemon = start_daemon(tmp_path, {"targets": []})
    daemon.process.signal(signal.SIGINT)
    daemon.process.proc.wait(timeout=15)
    assert daemon.stop() == 0
