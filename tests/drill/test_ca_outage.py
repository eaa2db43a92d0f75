"""The ca-outage stage against the devstack PKI service (a CA, a cert-manager-like renewer, a TLS
server presenting the renewed certificate), with stop/start commands that close and reopen the
CA: certificates stay valid through the outage, renewal recovers after it, and a certificate
that would expire within the margin fails the stage."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.pki import make_test_pki
from devstack.procs import REPO, ManagedProcess, free_port
from tests.commands.conftest import CliRun
from tests.support.components import require_binary

pytestmark = pytest.mark.slow

Cli = Callable[..., CliRun]
THIRTY_DAYS = str(30 * 86400)
READY = 'certmanager_certificate_ready_status{condition="True"} == bool 1'


@dataclass
class PkiService:
    """The running service, its ports and its certificate directory."""

    process: ManagedProcess
    ports: dict[str, int]
    directory: Path

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def state(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url("control", "/ca"), timeout=5) as answer:  # noqa: S310
            state: dict[str, Any] = json.load(answer)
        return state


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PkiService]:
    """``python -m devstack.demo.ca`` renewing a 30-day certificate every second."""
    directory = tmp_path_factory.mktemp("pki")
    ports = {name: free_port() for name in ("ca", "tls", "control")}
    args = [sys.executable, "-m", "devstack.demo.ca", "--dir", str(directory)]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    args += ["--duration", THIRTY_DAYS, "--renew-every", "0.5"]
    process = ManagedProcess(args, directory / "ca.log", env={"PYTHONPATH": str(REPO)}, cwd=REPO)
    try:
        process.wait_http(f"http://127.0.0.1:{ports['control']}/-/healthy")
        yield PkiService(process, ports, directory)
    finally:
        process.stop()


def _config(
    tmp_path: Path, pki: PkiService, extra_targets: list[dict[str, Any]], **outage: Any
) -> Path:
    curl = require_binary("curl")

    def command(path: str) -> dict[str, Any]:
        return {"command": [curl, "-sfS", "-X", "POST", pki.url("control", path)], "timeout": "10s"}

    settings = {
        "stop": command("/ca/stop"),
        "start": command("/ca/start"),
        "ca_url": pki.url("ca", "/v1/health"),
        "margin": "1w",
        "outage": "2s",
        "interval": "500ms",
        "renewal": {"query": READY, "targets": ["cert-manager"]},
        "targets": {"renewal": "20s"},
        **outage,
    }
    targets = [
        {
            "job": "pki",
            "kind": "tls",
            "address": f"127.0.0.1:{pki.ports['tls']}",
            "ca_file": str(pki.directory / "ca.pem"),
        },
        {"job": "issued", "kind": "certfile", "paths": [str(pki.directory / "leaf.pem")]},
        {"job": "cert-manager", "kind": "scrape", "url": pki.url("control", "/metrics")},
        *extra_targets,
    ]
    config = {
        "state_dir": str(tmp_path / "state"),
        "targets": targets,
        "drill": {"ca_outage": settings},
    }
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _steps(tmp_path: Path) -> dict[str, dict[str, Any]]:
    (path,) = (tmp_path / "state" / "drills").glob("drill-*.json")
    (result,) = json.loads(path.read_text())["channels"]
    return {s["step"]: s for s in result["steps"]}


def test_certificates_stay_valid_and_renewal_recovers(
    cli: Cli, tmp_path: Path, pki: PkiService
) -> None:
    """CA closed: every certificate still has over 7 days; reopened: every Certificate Ready."""
    config = _config(tmp_path, pki, [])
    result = cli("drill", "-c", str(config), "--stage", "ca-outage")
    assert result.code == 0, result.stdout + result.stderr
    steps = _steps(tmp_path)
    assert steps["CA down"]["detail"].endswith("connection failed: connection refused")
    valid = {name: step for name, step in steps.items() if name.startswith("valid: ")}
    assert any(name.startswith("valid: pki/") for name in valid)
    assert any(name.startswith("valid: issued/") for name in valid)
    assert all(
        step["ok"] and "at the least (margin 1w)" in step["detail"] for step in valid.values()
    )
    renewal = steps["renewal recovered"]
    assert renewal["ok"] is True and renewal["target_seconds"] == 20
    assert renewal["detail"].startswith("1 sample(s): 1")
    assert pki.state()["ca_running"] is True


def test_renewal_seen_as_the_served_certificate_moving_forward(
    cli: Cli, tmp_path: Path, pki: PkiService
) -> None:
    """The certificate condition: the TLS endpoint's notAfter moves past its outage value."""
    config = _config(tmp_path, pki, [], renewal={"certificate": "pki"})
    result = cli("drill", "-c", str(config), "--stage", "ca-outage")
    assert result.code == 0, result.stdout + result.stderr
    assert _steps(tmp_path)["renewal recovered"]["detail"].startswith("notAfter moved forward by")


def test_a_certificate_expiring_within_the_margin_fails_the_stage(
    cli: Cli, tmp_path: Path, pki: PkiService
) -> None:
    """A certificate with 3 days left against a 7-day margin: the stage fails, naming it."""
    test_pki = make_test_pki(tmp_path / "other")
    expiring, _key = test_pki.write_server("expiring", test_pki.expiring)
    extra = [{"job": "legacy", "kind": "certfile", "paths": [str(expiring)]}]
    config = _config(tmp_path, pki, extra)
    result = cli("drill", "-c", str(config), "--stage", "ca-outage")
    assert result.code == 1
    steps = _steps(tmp_path)
    (name,) = [n for n in steps if n.startswith("valid: legacy/")]
    assert steps[name]["ok"] is False
    assert steps[name]["detail"].startswith("2d23h at the least (margin 1w)")
    assert steps["start command"]["ok"] is True
    assert pki.state()["ca_running"] is True
