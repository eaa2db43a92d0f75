"""Deployment artefacts: the systemd unit, the Dockerfile, and the dependency tree."""

import importlib.metadata
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.components import REPO, require_binary

UNIT = REPO / "systemd" / "monitor-watchdog.service"
INSTALLED_PATH = "/opt/monitor-watchdog/bin/monitor-watchdog"


def _unit_with_real_binary(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists on this machine."""
    binary = tmp_path / "monitor-watchdog"
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace(INSTALLED_PATH, str(binary)))
    return unit


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit (no unknown or misspelled directives)."""
    analyze = require_binary("systemd-analyze")
    result = subprocess.run(
        [analyze, "verify", str(_unit_with_real_binary(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_systemd_unit_exposure_below_three(tmp_path: Path) -> None:
    """The hardening keeps `systemd-analyze security` exposure under 3.0."""
    analyze = require_binary("systemd-analyze")
    result = subprocess.run(
        [analyze, "security", "--offline=yes", str(_unit_with_real_binary(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) < 3.0


def test_systemd_unit_has_the_promised_settings() -> None:
    """Type=notify, watchdog, restart, state dir, SIGHUP reload, only the host probe's caps,
    a descriptor limit with room for the server's connections and the probes'."""
    text = UNIT.read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=60",
        "Restart=always",
        "StateDirectory=monitor-watchdog",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE",
        "SystemCallFilter=~@privileged @resources @debug process_vm_readv process_vm_writev",
        "LimitNOFILE=65536",
    ):
        assert f"\n{line}\n" in text, line


def test_dockerfile_passes_hadolint() -> None:
    """hadolint finds nothing at warning level or above."""
    hadolint = require_binary("hadolint")
    result = subprocess.run(
        [hadolint, "-t", "warning", "--no-color", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_unprivileged_with_healthcheck() -> None:
    """The image runs as a non-root user, checks /-/healthy and keeps state in a volume."""
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE)
    assert "/-/healthy" in text.split("HEALTHCHECK", 1)[1]
    assert 'VOLUME ["/var/lib/monitor-watchdog"]' in text
    assert text.count("FROM ") == 2  # multi-stage


def test_filesystem_watchdog_package_is_not_installed() -> None:
    """The PyPI 'watchdog' (filesystem events) must never shadow our import package."""
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("watchdog")
    import watchdog

    assert Path(watchdog.__file__).resolve().is_relative_to(REPO)
