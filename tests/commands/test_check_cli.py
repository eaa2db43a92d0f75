"""``check`` and ``check rules`` as users and CI run them; exit codes and flag placement."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from devstack.polling import wait_for
from devstack.procs import run_watchdog_cli
from tests.commands.conftest import CliRun
from tests.support.components import REPO, require_binary, start_daemon
from tests.support.conformance import conformance_dir

SEED = REPO / "config" / "rules" / "seed" / "prometheus-self-monitoring.yaml"
Cli = Callable[..., CliRun]


def _seed_config(tmp_path: Path) -> dict[str, object]:
    """The issue's config: the seed rules, targets for Vault and Prometheus only (and an
    ssh target that no seed rule selects)."""
    return {
        "state_dir": str(tmp_path / "state"),
        "targets": [
            {"job": "vault", "kind": "vault", "url": "http://127.0.0.1:1"},
            {"job": "prometheus", "kind": "prometheus", "url": "http://127.0.0.1:2"},
            {"job": "ssh", "kind": "tcp", "address": "127.0.0.1:3"},
        ],
        "rule_files": [str(SEED)],
    }


def _vault_and_prometheus(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(_seed_config(tmp_path), sort_keys=False))
    return path


def test_check_passes_what_the_daemon_runs_with_warnings(tmp_path: Path, cli: Cli) -> None:
    """The seed rules with only Vault and Prometheus configured: warnings and exit 0."""
    result = cli("check", "-c", str(_vault_and_prometheus(tmp_path)))
    assert result.code == 0, result.stderr
    assert (
        f'warning: {SEED}:15: rule AlertmanagerDown: job="alertmanager" matches no configured '
        "job (jobs: prometheus, ssh, vault)"
    ) in result.stderr.splitlines()
    assert result.stdout.startswith("OK: ")


def test_the_daemon_logs_and_counts_the_findings_check_prints(tmp_path: Path, cli: Cli) -> None:
    """``run`` on the same config logs each finding ``check`` prints, with the same text, and
    exports their number as watchdog_rule_lint_findings{severity}; then keeps running."""
    checked = cli("check", "-c", str(_vault_and_prometheus(tmp_path / "check")))
    advice = f"warning: {tmp_path / 'check' / 'watchdog.yml'}: "
    expected = [
        line.replace(str(tmp_path / "check"), str(tmp_path / "run"))
        for line in checked.stderr.splitlines()
        if line.startswith("warning: ") and not line.startswith(advice)
    ]
    assert any("target ssh/127.0.0.1:3: no alerting rule selects it" in x for x in expected)
    daemon = start_daemon(tmp_path / "run", _seed_config(tmp_path / "run"))
    try:

        def logged() -> list[str] | None:
            lines = [json.loads(x) for x in daemon.process.log_path.read_text().splitlines()]
            found = [x["finding"] for x in lines if x.get("event") == "lint finding"]
            return found if len(found) >= len(expected) else None

        assert sorted(wait_for(logged, timeout=30, message="lint lines")) == sorted(expected)
        with urllib.request.urlopen(f"{daemon.url}/metrics", timeout=10) as response:  # noqa: S310
            metrics = response.read().decode()
        assert f'watchdog_rule_lint_findings{{severity="warning"}} {len(expected)}.0' in metrics
        assert 'watchdog_rule_lint_findings{severity="error"} 0.0' in metrics
    finally:
        assert daemon.stop() == 0


def test_check_strict_fails_on_warnings(tmp_path: Path, cli: Cli) -> None:
    """``--strict`` (before or after -c) turns the same warnings into exit 1."""
    path = _vault_and_prometheus(tmp_path)
    for args in (("check", "--strict", "-c", str(path)), ("check", "-c", str(path), "--strict")):
        result = cli(*args)
        assert result.code == 1
        assert "(--strict: warnings fail)" in result.stderr.splitlines()[-1]


def test_an_invalid_config_is_exit_2_and_a_usage_error_64(tmp_path: Path, cli: Cli) -> None:
    """Invalid config: 2, as run/once/drill; a wrong command line: 64 (EX_USAGE)."""
    bad = tmp_path / "bad.yml"
    bad.write_text("global: {interval: 15}\n")
    assert cli("check", "-c", str(bad)).code == 2
    assert cli("check").code == 64
    with pytest.raises(SystemExit) as exited:
        cli("check", "-c", str(bad), "--no-such-flag")
    assert exited.value.code == 64
    with pytest.raises(SystemExit) as exited:
        cli("nonsense")
    assert exited.value.code == 64


def test_log_flags_are_accepted_after_the_subcommand(tmp_path: Path) -> None:
    """``check -c F --log-level debug --log-format logfmt`` works like the flags given first."""
    path = _vault_and_prometheus(tmp_path)
    for args in (
        ("--log-level", "debug", "check", "-c", str(path)),
        ("check", "-c", str(path), "--log-level", "debug", "--log-format", "logfmt"),
        ("check", "rules", str(SEED), "--log-level", "error"),
    ):
        result = run_watchdog_cli(*args)
        assert result.returncode == 0, (args, result.stderr)


def test_check_rules_reads_rule_files_without_a_config(tmp_path: Path, cli: Cli) -> None:
    """``check rules`` prints promtool's lines; config-dependent lint (jobs, targets) is absent."""
    result = cli("check", "rules", str(SEED))
    assert result.code == 0
    assert result.stdout == f"Checking {SEED}\n  SUCCESS: 6 rules found\n\n"
    assert "matches no configured job" not in result.stderr
    duplicate = tmp_path / "dup.yml"
    duplicate.write_text(
        "groups:\n  - name: a\n    rules:\n"
        "      - alert: X\n        expr: up == 0\n        for: 5s\n"
        "      - alert: X\n        expr: up == 1\n"
    )
    result = cli("check", "rules", str(duplicate))
    assert result.code == 0
    assert result.stderr.splitlines() == [
        f"warning: {duplicate}:4: rule X: 'for' of 5s is shorter than the group interval of "
        "15s; it acts as 15s",
        f"warning: {duplicate}:7: rule X: duplicate of the rule at line 4 (same name and "
        "labels): their series or alerts collide",
    ]
    assert cli("check", "rules", "--strict", str(duplicate)).code == 1
    assert cli("check", "rules", str(duplicate), "--strict").code == 1


def test_check_rules_names_every_problem_and_exits_1(tmp_path: Path, cli: Cli) -> None:
    """A broken file is FAILED with file:line and reason; the others are still checked."""
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: 'up =='\n")
    result = cli("check", "rules", str(broken), str(SEED))
    assert result.code == 1
    assert result.stdout.splitlines() == [
        f"Checking {broken}",
        "",
        f"Checking {SEED}",
        "  SUCCESS: 6 rules found",
        "",
    ]
    assert result.stderr.startswith(f"  FAILED:\n{broken}:5: groups[0].rules[0].expr: ")


def test_check_rules_agrees_with_promtool_on_its_fixtures(cli: Cli) -> None:
    """On promtool's v2.42 rule fixtures: the same exit code and rule counts as promtool."""
    promtool = require_binary("promtool")
    folder = conformance_dir("promtool-testdata")
    files = sorted(
        path
        for path in folder.glob("*.yml")
        if not path.name.endswith("-test.yml")
        and path.name not in ("unittest.yml", "failing.yml", "long-period.yml")
        and "input" not in path.name
    )
    assert len(files) >= 5
    for path in [*files, *sorted((REPO / "config" / "rules").glob("*.yaml"))]:
        theirs = subprocess.run(
            [promtool, "check", "rules", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        ours = cli("check", "rules", str(path))
        assert ours.code == theirs.returncode, (path, theirs.stderr, ours.stderr)
        assert ours.stdout.strip() == theirs.stdout.strip(), path
