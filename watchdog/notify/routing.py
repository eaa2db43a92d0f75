"""Routing on the fallback path: which receiver gets an alert, and how alerts are grouped.

Each emergency receiver is a route below Alertmanager's root route with ``continue: true``:
every receiver whose ``matchers`` all match gets the alert (no matchers: every alert), and
its ``group_by`` (default ``[alertname]``; ``[...]`` groups by all labels) shapes the groups
exactly as Alertmanager does for such a route:

- ``groupLabels``: the alert's values of the ``group_by`` labels it has;
- route key: ``{}/`` plus the route's matchers as Alertmanager prints them (sorted,
  ``{severity=~"critical|page"}``; ``{}`` without matchers);
- ``groupKey``: ``<route key>:<group labels>`` with the labels printed like Prometheus'
  ``LabelSet.String()`` (sorted, ``{alertname="VaultSealed", instance="vault-0"}``);
- the alerts of a group in Alertmanager's order: by ``job``, then ``instance`` (alerts
  without them last), then by label set.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from watchdog.alerts import Notification
from watchdog.notify.matchers import Matcher, format_matchers, matches_all

__all__ = ["ALL_LABELS", "DEFAULT_GROUP_BY", "AlertGroup", "Route", "labelset_string"]

ALL_LABELS = "..."
DEFAULT_GROUP_BY = ("alertname",)


def labelset_string(labels: Mapping[str, str]) -> str:
    """Prometheus' ``LabelSet.String()``: ``{a="1", b="2"}``, sorted, values Go-quoted."""
    pairs = sorted(f"{name}={_go_quote(value)}" for name, value in labels.items())
    return "{" + ", ".join(pairs) + "}"


def _go_quote(value: str) -> str:
    """Go's ``%q`` for the strings labels hold (printable UTF-8 stays as it is)."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class AlertGroup:
    """Alerts that go out together: Alertmanager's aggregation group for one route."""

    labels: Mapping[str, str]
    key: str
    alerts: Sequence[Notification]


@dataclass(frozen=True)
class Route:
    """One receiver's route: who gets what, grouped how."""

    receiver: str
    matchers: tuple[Matcher, ...] = ()
    group_by: tuple[str, ...] = DEFAULT_GROUP_BY
    key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", "{}/" + format_matchers(self.matchers))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether this receiver gets an alert with ``labels``."""
        return matches_all(self.matchers, labels)

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        """The ``groupLabels`` of an alert with ``labels``."""
        if ALL_LABELS in self.group_by:
            return dict(labels)
        return {name: labels[name] for name in self.group_by if name in labels}

    def group(self, alerts: Sequence[Notification]) -> list[AlertGroup]:
        """``alerts`` in groups, in the order each group first appears."""
        members: dict[str, list[Notification]] = {}
        labels_of: dict[str, dict[str, str]] = {}
        for alert in alerts:
            labels = self.group_labels(alert.labels)
            key = f"{self.key}:{labelset_string(labels)}"
            members.setdefault(key, []).append(alert)
            labels_of[key] = labels
        return [
            AlertGroup(labels_of[key], key, sorted(found, key=_ALERT_ORDER))
            for key, found in members.items()
        ]


def _compare_alerts(a: Notification, b: Notification) -> int:
    """Alertmanager's ``AlertSlice.Less`` as a comparison."""
    for name in ("job", "instance"):
        left, right = a.labels.get(name), b.labels.get(name)
        if left is None and right is None:
            continue
        if left is None:
            return 1
        if right is None:
            return -1
        if left != right:
            return -1 if left < right else 1
    return _compare_labelsets(a.labels, b.labels)


def _compare_labelsets(a: Mapping[str, str], b: Mapping[str, str]) -> int:
    """Prometheus' ``LabelSet.Before``: fewer labels first, then by sorted names' values."""
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    for name in sorted([*a, *b]):
        if name not in a:
            return -1
        if name not in b:
            return 1
        if a[name] != b[name]:
            return -1 if a[name] < b[name] else 1
    return 0


_ALERT_ORDER = functools.cmp_to_key(_compare_alerts)
