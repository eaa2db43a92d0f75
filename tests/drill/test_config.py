"""Bad drill settings are named by ``check`` (and refused by ``drill``) as file:line: key: reason;
good ones pick the stages to run under the safety rule."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.commands.conftest import CliRun
from watchdog.config.load import load_config
from watchdog.drill.select import SelectionError, parse_stage_names, select_stages

Cli = Callable[..., CliRun]


def _write(
    tmp_path: Path, drill: dict[str, Any], targets: list[dict[str, Any]] | None = None
) -> Path:
    config = {"state_dir": str(tmp_path / "state"), "targets": targets or [], "drill": drill}
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _restore(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    (tmp_path / "snaps").mkdir(exist_ok=True)
    token = tmp_path / "token"
    token.write_text("a-token-that-exists-in-the-snapshot\n")
    return {
        "vault_restore": {
            "path": str(tmp_path / "snaps"),
            "local": {"binary": sys.executable},
            "token_file": str(token),
            **overrides,
        }
    }


def _line_of(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if key in line)


def test_unknown_stage_is_named_with_a_suggestion(cli: Cli, tmp_path: Path) -> None:
    """A misspelt stage under drill: is refused where it stands, with the known ones."""
    path = _write(tmp_path, {"vault_restor": {}})
    result = cli("check", "-c", str(path))
    assert result.code == 1
    line = _line_of(path, "vault_restor")
    assert (
        f"{path}:{line}: drill.vault_restor: unknown drill stage (did you mean 'vault_restore'?)"
        in result.stderr
    )


def test_missing_binary_and_unreadable_key_file_are_named(cli: Cli, tmp_path: Path) -> None:
    """A bao binary that is not there and a key file that is not a file: both, each at its key."""
    drill = _restore(
        tmp_path,
        local={"binary": str(tmp_path / "no-such-bao")},
        unseal_key_files=[str(tmp_path)],
    )
    path = _write(tmp_path, drill)
    result = cli("check", "-c", str(path))
    assert result.code == 1
    assert (
        f"drill.vault_restore.local.binary: binary {tmp_path / 'no-such-bao'} does not exist"
        in (result.stderr)
    )
    assert f"drill.vault_restore.unseal_key_files[0]: {tmp_path} is not a file" in result.stderr
    refused = cli("drill", "-c", str(path))
    assert refused.code == 2
    assert "drill.vault_restore.local.binary" in refused.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_key_file_without_read_permission_is_named(cli: Cli, tmp_path: Path) -> None:
    """chmod 000 on a key file: not readable by this user."""
    key = tmp_path / "key"
    key.write_text("k\n")
    key.chmod(0)
    path = _write(tmp_path, _restore(tmp_path, unseal_key_files=[str(key)]))
    result = cli("check", "-c", str(path))
    assert f"unseal_key_files[0]: file {key} is not readable by this user" in result.stderr


def test_cross_references_are_checked_against_the_targets(cli: Cli, tmp_path: Path) -> None:
    """A failover without its logcanary target and an outage naming a non-certificate job."""
    true = sys.executable
    drill = {
        "log_failover": {
            "canary": "log-canary",
            "stop": {"command": [true, "-c", "pass"]},
            "start": {"command": [true, "-c", "pass"]},
        },
        "ca_outage": {
            "ca_url": "https://ca.example:8443/health",
            "certificates": ["web"],
            "renewal": {"certificate": "web"},
        },
    }
    targets = [{"job": "web", "kind": "http", "url": "http://127.0.0.1:1/"}]
    path = _write(tmp_path, drill, targets)
    result = cli("check", "-c", str(path))
    assert result.code == 1
    assert "drill.log_failover.canary: no logcanary target with job 'log-canary'" in result.stderr
    assert "drill.ca_outage.certificates[0]: 'web' is not a tls, certfile or crl target" in (
        result.stderr
    )
    assert "drill.ca_outage.renewal.certificate: 'web' is not a tls or certfile target" in (
        result.stderr
    )


def test_a_command_that_cannot_run_and_a_bad_query_are_named(cli: Cli, tmp_path: Path) -> None:
    """A stop command whose program is missing; a renewal query that does not parse."""
    drill = {
        "ca_outage": {
            "stop": {"command": ["no-such-program-for-drills"]},
            "start": {"command": [sys.executable, "-c", "pass"]},
            "renewal": {"query": "certmanager_certificate_ready_status{", "targets": ["x"]},
        }
    }
    result = cli("check", "-c", str(_write(tmp_path, drill)))
    assert result.code == 1
    assert "drill.ca_outage.stop.command: cannot run it: binary 'no-such-program-for-drills'" in (
        result.stderr
    )
    assert "drill.ca_outage.renewal.query: query: " in result.stderr


def test_stage_selection_follows_the_safety_rule(tmp_path: Path) -> None:
    """Without --stage a disruptive stage is left out; named, it runs; unknown or unconfigured
    names are refused."""
    true = [sys.executable, "-c", "pass"]
    cert = {"job": "pki", "kind": "tls", "address": "127.0.0.1:1"}
    drill = {
        **_restore(tmp_path),
        "ca_outage": {
            "stop": {"command": true},
            "start": {"command": true},
            "renewal": {"certificate": "pki"},
        },
    }
    config = load_config(_write(tmp_path, drill, [cert]))
    default = select_stages(config, None)
    assert [s.name for s in default.run] == ["vault-restore"]
    assert [(s.name, s.reason.split(":")[0]) for s in default.skipped] == [
        ("ca-outage", "disruptive (stops the CA")
    ]
    named = select_stages(config, parse_stage_names("ca-outage,vault-restore"))
    assert [s.name for s in named.run] == ["vault-restore", "ca-outage"]
    with pytest.raises(SelectionError, match="unknown stage 'ca-outag' \\(did you mean"):
        parse_stage_names("ca-outag")
    with pytest.raises(SelectionError, match="stage log-failover is not configured"):
        select_stages(config, ["log-failover"])
