"""Shared fixtures for rule tests: a recording sink and a manager factory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import structlog

from watchdog.alerts import Notification
from watchdog.config.yamlsource import parse_yaml
from watchdog.metrics import MetricsRegistry
from watchdog.rules.files import parse_rule_document
from watchdog.rules.manager import RuleManager
from watchdog.rules.metrics import RuleMetrics
from watchdog.rules.model import RuleGroup
from watchdog.store import SampleStore


@pytest.fixture(autouse=True)
def _reset_logging() -> object:
    """CLI tests configure logging onto captured streams; undo it after each test."""
    yield
    structlog.reset_defaults()


class RecordingSink:
    """Keeps every batch the manager hands over."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[Notification]]] = []

    async def send(self, group: str, notifications: Sequence[Notification]) -> None:
        """Record the batch."""
        self.batches.append((group, list(notifications)))

    def all(self) -> list[Notification]:
        """Every notification sent so far."""
        return [n for _, batch in self.batches for n in batch]


def groups_from(text: str, name: str = "rules.yml") -> list[RuleGroup]:
    """Parse rule-file text into groups, failing the test on any issue."""
    groups, issues = parse_rule_document(parse_yaml(text, Path(name)))
    assert not issues, [str(i) for i in issues]
    return groups


ManagerFactory = Callable[..., RuleManager]


@pytest.fixture
def make_manager(tmp_path: Path) -> ManagerFactory:
    """Build a RuleManager on a given store with state under tmp_path."""

    def build(store: SampleStore, sink: RecordingSink, text: str, **kw: object) -> RuleManager:
        manager = RuleManager(
            store=store,
            sink=sink,
            metrics=RuleMetrics(MetricsRegistry()),
            default_interval=10.0,
            state_dir=tmp_path,
            **kw,  # type: ignore[arg-type]
        )
        manager.apply(groups_from(text))
        return manager

    return build
