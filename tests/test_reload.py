"""Reload: atomic, keeps what did not change, refuses bad input and keeps the old config."""

import asyncio
import signal
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from devstack.polling import async_wait_for, wait_for
from devstack.procs import free_port
from tests.support.components import start_daemon
from tests.support.webapp import serve
from watchdog.app import Daemon
from watchdog.config.load import load_config
from watchdog.journal.guard import JOURNAL_ALERT
from watchdog.reload import plan_reload

RULES = {
    "groups": [
        {
            "name": "g",
            "interval": "200ms",
            "rules": [
                {"alert": "StaysPending", "expr": 'up{job="a"} == 1', "for": "1h"},
                {"alert": "WillChange", "expr": 'up{job="b"} == 1', "for": "1h"},
            ],
        }
    ]
}


@pytest.fixture
async def target() -> AsyncIterator[str]:
    """One healthy HTTP endpoint all test targets point at."""

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", ok)
    async with serve(app) as url:
        yield url


def _write(tmp_path: Path, url: str, jobs: list[str], rules: dict[str, Any], **extra: Any) -> Path:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules))
    config = {
        "global": {"interval": "200ms", "timeout": "150ms", "evaluation_interval": "200ms"},
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "state_dir": str(tmp_path / "state"),
        "targets": [{"job": job, "kind": "http", "url": f"{url}/{job}"} for job in jobs],
        "rule_files": ["rules.yaml"],
        **extra,
    }
    path = tmp_path / "watchdog.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _alert(daemon: Daemon, name: str) -> Any:
    for group in daemon.rules.states.values():
        for status in group.rules:
            if status.rule.name == name and status.alerts is not None:
                alerts = status.alerts.alerts()
                return alerts[0] if alerts else None
    return None


async def test_reload_keeps_unchanged_targets_and_rule_state(tmp_path: Path, target: str) -> None:
    """Unchanged target keeps its task; rules keep their `for` state by name (an edited rule
    too, like Prometheus' CopyState); changes apply."""
    path = _write(tmp_path, target, ["a", "b", "c"], RULES)
    daemon = Daemon(load_config(path))
    await daemon.start()
    try:
        assert daemon.scheduler is not None
        await daemon.scheduler.wait_first_round()

        async def both_pending() -> bool:
            return (
                _alert(daemon, "StaysPending") is not None
                and _alert(daemon, "WillChange") is not None
            )

        await async_wait_for(both_pending, message="both alerts pending")
        kept_task = daemon.scheduler._running[
            "a/"
            + daemon.scheduler.states[
                "a/"
                + next(
                    s.spec.instance for s in daemon.scheduler.states.values() if s.spec.job == "a"
                )
            ].spec.instance
        ].task
        active_at = _alert(daemon, "StaysPending").active_at
        changing_since = _alert(daemon, "WillChange").active_at
        changed_rules = {
            "groups": [
                {
                    **RULES["groups"][0],
                    "rules": [
                        RULES["groups"][0]["rules"][0],
                        {"alert": "WillChange", "expr": 'up{job="b"} == 1', "for": "2h"},
                    ],
                }
            ]
        }
        _write(
            tmp_path,
            target,
            ["a", "b", "d"],
            changed_rules,
            server={"listen": daemon.config.model.server.listen},
        )
        result = await daemon.reload("test")
        assert result.ok, result.message
        assert result.details["targets_added"] == [
            k for k in result.details["targets_added"] if k.startswith("d/")
        ]
        assert [k.split("/")[0] for k in result.details["targets_removed"]] == ["c"]
        assert result.details["delivery_rebuilt"] is False
        jobs = {s.spec.job for s in daemon.scheduler.states.values()}
        assert jobs == {"a", "b", "d"}
        a_key = next(k for k, s in daemon.scheduler.states.items() if s.spec.job == "a")
        assert daemon.scheduler._running[a_key].task is kept_task
        assert _alert(daemon, "StaysPending").active_at == active_at

        assert _alert(daemon, "WillChange").active_at == changing_since
        (changed,) = [
            status
            for state in daemon.rules.states.values()
            for status in state.rules
            if status.rule.name == "WillChange"
        ]
        assert changed.alerts is not None and changed.alerts.for_ == 7200.0
        assert daemon.metrics.config_last_reload_successful._value.get() == 1
    finally:
        await daemon.stop()


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ("config", "targets[0].url: must be an http:// or https:// URL with a host"),
        ("rules", "unknown function with name 'nonexistent_fn'"),
    ],
)
async def test_invalid_new_config_is_refused_and_old_stays(
    tmp_path: Path, target: str, broken: str, reason: str
) -> None:
    """A broken config or rule file is refused with the reason; everything keeps running."""
    path = _write(tmp_path, target, ["a"], RULES)
    daemon = Daemon(load_config(path))
    await daemon.start()
    try:
        assert daemon.scheduler is not None
        await daemon.scheduler.wait_first_round()
        if broken == "config":
            text = path.read_text().replace(f"{target}/a", "ftp://nowhere/a")
            path.write_text(text)
        else:
            bad = {
                "groups": [{"name": "g", "rules": [{"alert": "X", "expr": "nonexistent_fn(up)"}]}]
            }
            (tmp_path / "rules.yaml").write_text(yaml.safe_dump(bad))
        result = await daemon.reload("test")
        assert not result.ok
        assert reason in result.message
        assert daemon.metrics.config_last_reload_successful._value.get() == 0
        assert {s.spec.job for s in daemon.scheduler.states.values()} == {"a"}
        user_rules = [  # the daemon's built-in groups (journal, heartbeat) aside
            r.rule.name
            for g in daemon.rules.states.values()
            for r in g.rules
            if r.rule.name != JOURNAL_ALERT
        ]
        assert user_rules == ["StaysPending", "WillChange"]
        probes = next(iter(daemon.scheduler.states.values())).probes

        async def still_probing() -> bool:
            return next(iter(daemon.scheduler.states.values())).probes > probes

        await async_wait_for(still_probing, message="probing to go on with the old config")
    finally:
        await daemon.stop()


async def test_delivery_change_rebuilds_delivery_and_keeps_the_outbox(
    tmp_path: Path, target: str
) -> None:
    """Adding an emergency receiver swaps the delivery service; the rules use the new one."""
    path = _write(tmp_path, target, ["a"], RULES)
    daemon = Daemon(load_config(path))
    await daemon.start()
    try:
        old = daemon.delivery
        _write(
            tmp_path,
            target,
            ["a"],
            RULES,
            server={"listen": daemon.config.model.server.listen},
            alerting={"emergency": [{"kind": "webhook", "url": f"{target}/hook"}]},
        )
        result = await daemon.reload("test")
        assert result.ok and result.details["delivery_rebuilt"] is True
        assert daemon.delivery is not old
        assert daemon.rules.sink is daemon.delivery.sink
        assert daemon.delivery.outbox.path == old.outbox.path
    finally:
        await daemon.stop()


def _post(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_sighup_and_lifecycle_endpoint_in_the_real_daemon(tmp_path: Path) -> None:
    """SIGHUP reloads; POST /-/reload is 403 unless enabled, then 200 or 500 with the reason."""
    port = free_port()
    config = {
        "targets": [{"job": "one", "kind": "tcp", "address": "127.0.0.1:1"}],
        "server": {"listen": f"127.0.0.1:{port}"},
    }
    daemon = start_daemon(tmp_path, config, port=port)
    try:
        assert _post(f"{daemon.url}/-/reload")[0] == 403
        config_file = tmp_path / "watchdog.yml"
        data = yaml.safe_load(config_file.read_text())
        data["targets"].append({"job": "two", "kind": "tcp", "address": "127.0.0.1:2"})
        config_file.write_text(yaml.safe_dump(data))
        daemon.process.signal(signal.SIGHUP)

        def has_two() -> bool:
            with urllib.request.urlopen(f"{daemon.url}/api/v1/targets", timeout=5) as r:  # noqa: S310
                return b'"two"' in r.read()

        wait_for(has_two, message="SIGHUP to add the second target")
    finally:
        assert daemon.stop() == 0

    port = free_port()
    config["server"] = {"listen": f"127.0.0.1:{port}"}
    daemon = start_daemon(tmp_path / "2", config, port=port, extra_args=("--web.enable-lifecycle",))
    try:
        config_file = tmp_path / "2" / "watchdog.yml"
        assert _post(f"{daemon.url}/-/reload") == (200, "config reloaded\n")
        config_file.write_text(config_file.read_text().replace("kind: tcp", "kind: tcpp"))
        status, body = _post(f"{daemon.url}/-/reload")
        assert status == 500
        assert "unknown probe kind 'tcpp' (did you mean 'tcp'?)" in body
        with urllib.request.urlopen(f"{daemon.url}/metrics", timeout=5) as r:  # noqa: S310
            assert "watchdog_config_last_reload_successful 0.0" in r.read().decode()
    finally:
        assert daemon.stop() == 0


async def test_reloads_are_serialised(tmp_path: Path, target: str) -> None:
    """Concurrent reloads run one after the other and all succeed."""
    path = _write(tmp_path, target, ["a"], RULES)
    daemon = Daemon(load_config(path))
    await daemon.start()
    try:
        results = await asyncio.gather(*(daemon.reload(f"r{i}") for i in range(3)))
        assert all(r.ok for r in results)
    finally:
        await daemon.stop()


def test_server_hardening_changes_are_reported_as_needing_a_restart(tmp_path: Path) -> None:
    """Changed listener settings (limits, timeouts) and journal keys are named as needing a
    restart, not silently ignored."""
    path = tmp_path / "watchdog.yaml"
    base = {"state_dir": str(tmp_path / "state"), "server": {"listen": "127.0.0.1:9911"}}
    path.write_text(yaml.safe_dump(base))
    current = load_config(path)
    base["server"].update({"header_timeout": "3s", "max_connections": 64})
    (tmp_path / "key").write_text("x" * 32)
    base["journal"] = {"hmac_key_file": str(tmp_path / "key")}
    path.write_text(yaml.safe_dump(base))
    plan = plan_reload(current)
    assert plan.restart_needed == ["journal", "server.max_connections", "server.header_timeout"]
