"""A reload whose loading fails in an unexpected way is refused, never a dead reload task."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
import yaml

from devstack.procs import free_port
from watchdog import reload as reload_module
from watchdog.app import Daemon
from watchdog.config.load import load_config
from watchdog.rules.model import RuleGroup


async def test_unexpected_loader_error_refuses_the_reload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in rule loading (injected here) sets the reload metric to 0 and keeps the rules."""
    (tmp_path / "rules.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "vector(1)"}]}]})
    )
    config = tmp_path / "watchdog.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "server": {"listen": f"127.0.0.1:{free_port()}"},
                "state_dir": str(tmp_path / "state"),
                "rule_files": ["rules.yaml"],
            }
        )
    )
    daemon = Daemon(load_config(config))
    await daemon.start()
    try:

        def broken_loader(_paths: object) -> list[RuleGroup]:
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(reload_module, "load_rule_files", broken_loader)
        with structlog.testing.capture_logs() as logs:
            result = await daemon.reload("SIGHUP")
        assert not result.ok
        assert "internal error while loading (RecursionError); see the log" in result.message
        assert daemon.metrics.config_last_reload_successful._value.get() == 0
        refused = [e for e in logs if e["event"].startswith("reload refused")]
        assert refused and refused[0]["trigger"] == "SIGHUP"
        names = [r.rule.name for g in daemon.rules.states.values() for r in g.rules]
        assert "A" in names
    finally:
        await daemon.stop()
