"""The shipped example rules for vault/snapshot/tls/crl/certfile pass their unit tests.

Each ``config/rules/tests/<kind>_test.yaml`` runs under Debian's ``promtool test rules``
and, once the rules engine provides it, under ``monitor-watchdog test rules`` too: the two
must agree on the same files.
"""

from __future__ import annotations

import contextlib
import functools
import io
import subprocess
import sys

import pytest

from devstack.procs import REPO
from tests.support.components import require_binary
from watchdog.cli import build_parser

RULES = REPO / "config" / "rules"
KINDS = ["vault", "snapshot", "tls", "crl", "certfile"]


@functools.cache
def _watchdog_has_test_rules() -> bool:
    parser = build_parser()
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            parser.parse_args(["test", "rules", "x.yaml"])
    except SystemExit:
        return False
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_promtool_accepts_and_passes_the_example_rules(kind: str) -> None:
    """promtool check rules and promtool test rules both succeed for the kind."""
    promtool = require_binary("promtool")
    check = subprocess.run(
        [promtool, "check", "rules", str(RULES / f"{kind}.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run(
        [promtool, "test", "rules", str(RULES / "tests" / f"{kind}_test.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert test.returncode == 0, test.stdout + test.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_monitor_watchdog_passes_the_same_rule_tests(kind: str) -> None:
    """Our own rule evaluator agrees with promtool on the same test files."""
    if not _watchdog_has_test_rules():
        pytest.skip("`monitor-watchdog test rules` is not available on this branch yet")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "watchdog",
            "test",
            "rules",
            str(RULES / "tests" / f"{kind}_test.yaml"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_series_the_rules_use_is_produced_by_a_probe_kind() -> None:
    """No example rule waits for a series no probe yields (the seed's never-firing trap)."""
    import re

    import yaml

    from watchdog.probes import PROBES

    produced = {"up", "probe_success", "probe_duration_seconds"}
    for kind in PROBES.values():
        produced |= kind.produces
    for name in KINDS:
        groups = yaml.safe_load((RULES / f"{name}.yaml").read_text())["groups"]
        for rule in (r for g in groups for r in g["rules"]):
            used = set(re.findall(r"\b((?:vault|watchdog|probe)_[a-z0-9_]+)", rule["expr"]))
            assert used <= produced, f"{rule['alert']} uses {sorted(used - produced)}"
