"""The demo's generated configs: valid for `check`; the example rules, short `for`, once each."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from devstack.demo.configs import (
    EXAMPLE_RULE_FILES,
    SEED_ALERTS,
    alertmanager_config,
    cap_durations,
    write_demo_rules,
    write_watchdog_config,
)
from devstack.demo.layout import DEFAULT_PORTS, Layout
from devstack.procs import run_watchdog_cli
from tests.support.components import REPO


def _alerts(files: list[Path]) -> list[str]:
    return [
        rule["alert"]
        for path in files
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_cap_cuts_long_for_and_keeps_everything_else() -> None:
    """A `for` above the cap is cut and says what it was; short ones and comments stay."""
    text = (
        "# keep me\n  - alert: A\n    for: 5m\n  - alert: B\n    for: 0m\n    keep_firing_for: 1h\n"
    )
    assert cap_durations(text, 10.0) == (
        "# keep me\n  - alert: A\n    for: 10s  # demo: was 5m\n  - alert: B\n    for: 0m\n"
        "    keep_firing_for: 10s  # demo: was 1h\n"
    )


def test_demo_rules_are_the_examples_plus_two_seed_rules_without_duplicates(
    tmp_path: Path,
) -> None:
    """Every example rule is kept once, the seed adds only its missing ones, names are unique."""
    written = write_demo_rules(tmp_path)
    names = _alerts(written)
    examples = _alerts([REPO / "config" / "rules" / f"{n}.yaml" for n in EXAMPLE_RULE_FILES])
    assert len(names) == len(set(names))
    assert sorted(names) == sorted([*examples, *SEED_ALERTS])
    assert "VaultSealed" in names


def test_generated_watchdog_config_passes_check(tmp_path: Path) -> None:
    """`monitor-watchdog check` accepts the generated config and its rule files, warning-free."""
    layout = Layout(tmp_path / "demo-state")
    layout.make_dirs()
    (layout.watchdog / "heartbeat-token").write_text("0123456789abcdef\n")
    token = layout.openbao / "watchdog-token"
    token.write_text("s.demo-token-for-the-config-test\n")
    ca = layout.pki / "ca.pem"
    ca.write_text("not read by check\n")
    (layout.ca / "ca.pem").write_text("not read by check\n")
    (layout.openbao / "DEMO-ONLY-unseal-key").write_text("unseal-key-for-the-config-test\n")
    config = write_watchdog_config(layout, dict(DEFAULT_PORTS), token, ca, sys.executable)
    result = run_watchdog_cli("check", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "0 error(s), 0 warning(s)" in result.stdout
    assert "127.0.0.1:18200" in config.read_text()


def test_alertmanager_routes_watchdog_to_the_daemon_and_the_rest_to_the_sink(
    tmp_path: Path,
) -> None:
    """Watchdog goes to the daemon's heartbeat-in with the token file; all else to the sink."""
    config = alertmanager_config(dict(DEFAULT_PORTS), tmp_path / "token")
    receivers = {r["name"]: r["webhook_configs"][0] for r in config["receivers"]}
    assert receivers[config["route"]["receiver"]]["url"] == "http://127.0.0.1:19095/alertmanager"
    heartbeat = config["route"]["routes"][0]
    assert heartbeat["matchers"] == ['alertname="Watchdog"']
    hook = receivers[heartbeat["receiver"]]
    assert hook["url"] == "http://127.0.0.1:19911/api/v1/heartbeat"
    assert hook["http_config"]["authorization"]["credentials_file"] == str(tmp_path / "token")
