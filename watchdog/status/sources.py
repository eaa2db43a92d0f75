"""Where the status page reads from: small callables the daemon hands over.

Sections that depend on optional features take a source that may be absent (``None``):
HA peers, drill history, silences and inhibition. The page then says "not configured" for
that section instead of guessing. Each source is read on every render, so a reload that
swaps the delivery service or the rule manager's groups is seen at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from watchdog.clock import Clock
from watchdog.config.model import LoadedConfig
from watchdog.health import LoopHealth
from watchdog.notify.service import DeliveryService
from watchdog.rules.group import GroupState
from watchdog.status.views import DrillsView, PeersView
from watchdog.target_state import TargetState

__all__ = ["AlertMarks", "AlertMarksSource", "StatusSources"]


@dataclass(frozen=True)
class AlertMarks:
    """Why an alert would not page on the fallback path right now."""

    silenced_by: list[str] = field(default_factory=list)
    inhibited_by: list[str] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)
    """The emergency receivers whose routes match it (who the fallback path would page)."""


class AlertMarksSource(Protocol):
    """Silences and inhibition, asked per alert (labels as sent, external labels included)."""

    def __call__(self, labels: Mapping[str, str], now: float) -> AlertMarks:
        """The silences and inhibiting alerts that apply to ``labels`` at ``now``."""
        ...


@dataclass
class StatusSources:
    """Live views of the daemon's parts, as the page needs them."""

    clock: Clock
    health: LoopHealth
    config: Callable[[], LoadedConfig]
    targets: Callable[[], Iterable[TargetState]]
    rule_groups: Callable[[], Iterable[GroupState]]
    delivery: Callable[[], DeliveryService]
    peers: Callable[[], PeersView | None] | None = None
    drills: Callable[[], DrillsView | None] | None = None
    alert_marks: AlertMarksSource | None = None
    refresh_seconds: float = 5.0
