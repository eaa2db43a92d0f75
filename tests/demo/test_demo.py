"""`make demo` end to end: the stack comes up, a sealed Vault reaches the sink, stop ends it all."""

from __future__ import annotations

import json
import os
import shlex
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devstack.demo.layout import Layout
from devstack.demo.processes import DemoState, is_running, pid_alive, terminate
from devstack.polling import wait_for
from tests.support.components import REPO, require_binary

pytestmark = pytest.mark.slow

DEMO = [sys.executable, "-m", "devstack.demo"]
JOBS = {
    "prometheus",
    "alertmanager",
    "vault",
    "vault-backup",
    "pki",
    "loki",
    "elasticsearch",
    "fluentbit",
    "log-canary",
    "log-reconcile",
    "fluentbit-buffer",
    "issued-tls",
    "cert-manager",
}
PROCESSES = {"sink", "logpipeline", "ca", "openbao", "alertmanager", "prometheus", "watchdog"}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return json.load(response)


def _all_up(port: int) -> dict[str, dict[str, Any]] | None:
    targets = _get(f"http://127.0.0.1:{port}/api/v1/targets")["data"]["activeTargets"]
    by_job = {t["labels"]["job"]: t for t in targets}
    healthy = all(t["health"] == "up" and t["success"] for t in targets)
    return by_job if healthy and set(by_job) == JOBS else None


def _seal(layout: Layout, url: str) -> None:
    """``bao operator seal`` through the API, with the demo's root token and CA."""
    token = (layout.openbao / "DEMO-ONLY-root-token").read_text().strip()
    request = urllib.request.Request(f"{url}/v1/sys/seal", method="PUT")  # noqa: S310
    request.add_header("X-Vault-Token", token)
    context = ssl.create_default_context(cafile=str(layout.pki / "ca.pem"))
    with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310
        assert response.status in (200, 204)


def _sealed_notices(layout: Layout, alertname: str = "VaultSealed") -> list[dict[str, Any]]:
    """Firing ``alertname`` alerts the sink got from Alertmanager (its JSON lines)."""
    if not layout.notifications.exists():
        return []
    entries = [json.loads(line) for line in layout.notifications.read_text().splitlines()]
    return [
        alert
        for entry in entries
        if entry["path"] == "/alertmanager"
        for alert in entry["body"]["alerts"]
        if alert["labels"]["alertname"] == alertname and alert["status"] == "firing"
    ]


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DEMO, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


def _leave_nothing_running(starter: subprocess.Popen[str], layout: Layout) -> None:
    """Whatever happened: end the starter (it stops what it started), then every recorded PID."""
    if starter.poll() is None:
        os.kill(starter.pid, signal.SIGTERM)
        try:
            starter.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(starter.pid, signal.SIGKILL)
            starter.wait(timeout=10)
    _run("--state-dir", str(layout.root), "stop")
    state = DemoState.load(layout.state_file)
    for record in state.processes.values() if state else []:
        terminate(record)


def test_demo_starts_reports_a_sealed_vault_and_stops(tmp_path: Path) -> None:
    """`start --no-wait` brings every target up; sealing Vault reaches the sink; records that
    Elasticsearch silently loses show as a divergence; `stop` ends all."""
    for binary in ("prometheus", "prometheus-alertmanager", "bao"):
        require_binary(binary)
    layout = Layout(tmp_path / "demo-state")
    starter = subprocess.Popen(
        [*DEMO, "--state-dir", str(layout.root), "start", "--no-wait", "--free-ports"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = starter.communicate(timeout=180)
        assert starter.returncode == 0, output
        state = DemoState.load(layout.state_file)
        assert state is not None
        assert set(state.processes) == PROCESSES
        port = state.ports["watchdog"]
        assert f"http://127.0.0.1:{port}/api/v1/targets" in output
        assert "bao operator seal" in output
        drill = next(line for line in output.splitlines() if "-m watchdog drill" in line)
        command = drill.strip().removeprefix("(= ").removesuffix(";")
        assert "--stage vault-restore,log-failover,ca-outage,alerting" in command

        by_job = wait_for(lambda: _all_up(port), timeout=60, message="every demo target up")
        vault = by_job["vault"]["facts"]  # the least-privilege token works, over TLS
        assert vault["raft_peers"] == "1"
        assert vault["canary"].startswith("secret/demo-canary")
        assert _sealed_notices(layout) == []

        plan = subprocess.run(
            [*shlex.split(command), "--dry-run"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert plan.returncode == 0, plan.stdout + plan.stderr
        for stage in ("vault-restore", "log-failover", "ca-outage", "alerting"):
            assert f"\n{stage}" in plan.stdout, plan.stdout

        _seal(layout, state.info["openbao_url"])
        sealed = wait_for(
            lambda: _sealed_notices(layout), timeout=90, message="VaultSealed at the sink"
        )
        assert sealed[0]["labels"]["job"] == "vault"
        assert sealed[0]["annotations"]["summary"].startswith("Vault is sealed")

        dropping = _run("--state-dir", str(layout.root), "logs-drop", "--share", "0.5")
        assert "silently losing 50% of the records" in dropping.stdout, dropping.stderr
        missing = wait_for(
            lambda: _sealed_notices(layout, "AuditLogRecordsMissing"),
            timeout=120,
            message="AuditLogRecordsMissing at the sink",
        )
        assert missing[0]["labels"]["backend"] == "elasticsearch"
        facts = _get(f"http://127.0.0.1:{port}/api/v1/targets")["data"]["activeTargets"]
        reconcile = next(t for t in facts if t["labels"]["job"] == "log-reconcile")["facts"]
        assert "missing ids elasticsearch/app" in reconcile

        stopped = _run("--state-dir", str(layout.root), "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        for record in state.processes.values():
            assert not is_running(record), record
            assert not pid_alive(record.pid), record
    finally:
        _leave_nothing_running(starter, layout)
