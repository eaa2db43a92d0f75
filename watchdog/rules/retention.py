"""Tell the sample store which series rules read, and how far back."""

from __future__ import annotations

from collections.abc import Iterable

from watchdog.rules.alerting import ALERTS, ALERTS_FOR_STATE
from watchdog.rules.model import RuleGroup
from watchdog.store import SampleStore

__all__ = ["configure_store_retention", "retention_needs"]


def retention_needs(groups: Iterable[RuleGroup]) -> tuple[set[str] | None, float]:
    """Metric names the rules select (None: any name) and the longest window they need."""
    names: set[str] | None = set()
    window = 0.0
    for group in groups:
        for rule in group.rules:
            query = rule.query
            window = max(window, query.lookback_window() + group.query_offset)
            found = query.metric_names()
            if found is None or names is None:
                names = None
            else:
                names |= found
    return names, window


def configure_store_retention(store: SampleStore, groups: Iterable[RuleGroup]) -> None:
    """Keep history for every series a rule may read (plus the alert series)."""
    names, window = retention_needs(groups)
    if names is not None:
        names |= {ALERTS, ALERTS_FOR_STATE}
    store.configure_retention(names, window)
