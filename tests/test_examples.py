"""The shipped example configs stay valid, and check says out loud what is risky."""

from pathlib import Path

import pytest

from devstack.procs import run_watchdog_cli
from tests.support.components import REPO
from watchdog.config.advice import config_warnings
from watchdog.config.load import load_config

EXAMPLES = sorted((REPO / "config").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_config_passes_check(path: Path) -> None:
    """`monitor-watchdog check` accepts every config in config/ (rule lint included)."""
    result = run_watchdog_cli("check", "-c", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")
    assert ", 0 error(s)" in result.stdout


@pytest.mark.parametrize("name", ["bastion.yaml", "sidecar.yaml"])
def test_production_examples_have_no_warnings(name: str) -> None:
    """The bastion and sidecar examples are complete: receivers, fallback, dead man's switch."""
    assert config_warnings(load_config(REPO / "config" / name)) == []


def test_bastion_example_covers_every_probe_kind_but_the_generic_ones() -> None:
    """The seed-stack example shows every component kind at least once."""
    from watchdog.probes import PROBES

    kinds = {spec.kind for spec in load_config(REPO / "config" / "bastion.yaml").targets}
    assert set(PROBES) - kinds <= {"tcp"}


def test_no_receiver_at_all_is_a_warning(tmp_path: Path) -> None:
    """A config that would only log alerts is valid but named as risky."""
    config = tmp_path / "c.yaml"
    config.write_text("targets: []\n")
    warnings = config_warnings(load_config(config))
    assert warnings[0].startswith("alerting: no Alertmanager and no emergency receiver")
    assert any(w.startswith("rule_files: none configured") for w in warnings)


def test_receivers_that_all_have_matchers_are_a_warning(tmp_path: Path) -> None:
    """When every emergency receiver has matchers, an unmatched alert would page nobody."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "alerting:\n  emergency:\n"
        "    - {kind: webhook, url: 'http://hook/1', matchers: [severity=critical]}\n"
    )
    warnings = config_warnings(load_config(config))
    assert any("every receiver has matchers" in w for w in warnings)
