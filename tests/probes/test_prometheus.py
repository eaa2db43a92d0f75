"""The ``prometheus`` probe against Debian's real Prometheus 2.42 (one server per module)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.polling import wait_for
from devstack.procs import free_port
from tests.support.components import Running, start_prometheus
from tests.support.probe_harness import run_target, series_named, value_of
from watchdog.probes.base import TargetMemory
from watchdog.probes.kinds.prometheus import PASSED_THROUGH
from watchdog.probes.runner import GENERIC_SERIES

pytestmark = pytest.mark.slow

GOOD_RULES = {"groups": [{"name": "fine", "rules": [{"record": "one", "expr": "vector(1)"}]}]}
# Two series that become identical once the rule's labels are applied: Prometheus refuses the
# result ("vector contains metrics with the same labelset after applying rule labels").
BROKEN_RULES = {
    "groups": [
        {
            "name": "broken",
            "rules": [
                {
                    "record": "dup",
                    "expr": 'label_replace(vector(1), "a", "1", "", "") '
                    'or label_replace(vector(2), "b", "2", "", "")',
                    "labels": {"a": "x", "b": "y"},
                }
            ],
        }
    ]
}


def _config(workdir: Path, *, alerting: bool = False) -> dict[str, Any]:
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1m", "evaluation_interval": "1s"},
        "rule_files": [str(workdir / "rules.yml")],
    }
    if alerting:
        dead = f"127.0.0.1:{free_port()}"
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [dead]}]}]}
    return config


def _reload(server: Running) -> int:
    request = urllib.request.Request(f"{server.url}/-/reload", method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _self_metric(server: Running, name: str) -> float | None:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:  # noqa: S310
        for line in response.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return None


class Reconfigurable:
    """The module's Prometheus plus helpers to change its config and put it back."""

    def __init__(self, server: Running, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir

    def apply(self, config: dict[str, Any] | str, rules: dict[str, Any] = GOOD_RULES) -> int:
        (self.workdir / "rules.yml").write_text(yaml.safe_dump(rules))
        text = config if isinstance(config, str) else yaml.safe_dump(config)
        (self.workdir / "prometheus.yml").write_text(text)
        return _reload(self.server)

    def restore(self) -> None:
        assert self.apply(_config(self.workdir)) == 200

    def discovered(self) -> float | None:
        return _self_metric(self.server, "prometheus_notifications_alertmanagers_discovered")


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reconfigurable]:
    workdir = tmp_path_factory.mktemp("prometheus")
    (workdir / "rules.yml").write_text(yaml.safe_dump(GOOD_RULES))
    server = start_prometheus(workdir, _config(workdir))
    yield Reconfigurable(server, workdir)
    server.stop()


def _target(prom: Reconfigurable, job: str, **extra: Any) -> dict[str, Any]:
    return {"job": job, "kind": "prometheus", "url": prom.server.url, **extra}


async def test_healthy_server_passes_and_keeps_only_its_blind_or_mute_metrics(
    prom: Reconfigurable, tmp_path: Path
) -> None:
    """A healthy Prometheus is up and successful; only the listed self-metrics are kept."""
    target, memory = _target(prom, "prom-healthy", require_alertmanagers=False), TargetMemory()
    await run_target(target, tmp_path, memory=memory)
    outcome = await run_target(target, tmp_path, memory=memory)
    assert outcome.up, outcome.error
    assert outcome.success, outcome.error
    assert value_of(outcome, "watchdog_prometheus_ready") == 1.0
    assert value_of(outcome, "prometheus_config_last_reload_successful") == 1.0
    names = {labels.name for labels in outcome.series}
    assert "go_goroutines" not in names
    assert names - GENERIC_SERIES <= PASSED_THROUGH | {"watchdog_prometheus_ready"}
    assert "prometheus_rule_evaluation_failures_total" in names
    assert outcome.facts["version"].startswith("2.")
    assert outcome.facts["config_reload"] == "ok"


async def test_failed_config_reload_is_reported(prom: Reconfigurable, tmp_path: Path) -> None:
    """After a refused POST /-/reload the probe fails with the reason and passes the 0 through."""
    try:
        assert prom.apply("scrape_configs: [\n") == 500
        outcome = await run_target(_target(prom, "prom-reload"), tmp_path)
    finally:
        prom.restore()
    assert outcome.up
    assert not outcome.success
    assert outcome.error is not None
    assert "last config reload failed" in outcome.error
    assert value_of(outcome, "prometheus_config_last_reload_successful") == 0.0
    assert outcome.facts["config_reload"] == "failed"


async def test_rule_evaluation_failures_since_last_probe_fail_the_probe(
    prom: Reconfigurable, tmp_path: Path
) -> None:
    """Rule evaluation failures that grew between two probes make the second one fail."""
    target, memory = _target(prom, "prom-rules"), TargetMemory()
    try:
        assert prom.apply(_config(prom.workdir), rules=BROKEN_RULES) == 200
        first = await run_target(target, tmp_path, memory=memory)
        seen = sum(series_named(first, "prometheus_rule_evaluation_failures_total").values())

        def grew() -> bool:
            value = _self_metric(prom.server, "prometheus_rule_evaluation_failures_total")
            return value is not None and value > seen

        wait_for(grew, message="another rule evaluation failure")
        second = await run_target(target, tmp_path, memory=memory)
    finally:
        prom.restore()
    assert second.up
    assert not second.success
    assert second.error is not None
    assert "rule evaluation failures since the last probe" in second.error


async def test_no_alertmanager_discovered_is_mute(prom: Reconfigurable, tmp_path: Path) -> None:
    """Without any Alertmanager Prometheus is mute: failed, unless the target allows it."""
    wait_for(lambda: prom.discovered() == 0, message="Prometheus without an Alertmanager")
    strict = await run_target(_target(prom, "prom-mute"), tmp_path)
    lenient = await run_target(
        _target(prom, "prom-mute-ok", require_alertmanagers=False), tmp_path / "b"
    )
    assert strict.up
    assert not strict.success
    assert strict.error is not None
    assert "no Alertmanager discovered" in strict.error
    assert value_of(strict, "prometheus_notifications_alertmanagers_discovered") == 0.0
    assert lenient.success, lenient.error


async def test_discovered_alertmanager_passes(prom: Reconfigurable, tmp_path: Path) -> None:
    """Once Prometheus has discovered an Alertmanager the strict default passes."""
    try:
        assert prom.apply(_config(prom.workdir, alerting=True)) == 200
        wait_for(lambda: prom.discovered() == 1, message="the Alertmanager to be discovered")
        outcome = await run_target(_target(prom, "prom-discovered"), tmp_path)
    finally:
        prom.restore()
    assert outcome.success, outcome.error
    assert value_of(outcome, "prometheus_notifications_alertmanagers_discovered") == 1.0
    assert outcome.facts["alertmanagers"] == "1"


async def test_extra_metrics_are_passed_through(prom: Reconfigurable, tmp_path: Path) -> None:
    """Names listed in extra_metrics are kept besides the built-in list."""
    outcome = await run_target(
        _target(prom, "prom-extra", extra_metrics=["prometheus_tsdb_head_series"]), tmp_path
    )
    assert value_of(outcome, "prometheus_tsdb_head_series") is not None
