"""Label sets and samples: the values that flow from probes into the store."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["METRIC_NAME", "METRIC_NAME_PATTERN", "LabelSet", "Sample"]

METRIC_NAME = "__name__"
METRIC_NAME_PATTERN = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
"""What Prometheus accepts as a metric name."""


class LabelSet(Mapping[str, str]):
    """An immutable, hashable, sorted set of labels (``__name__`` included when present)."""

    __slots__ = ("_hash", "_items")

    def __init__(self, labels: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = labels.items() if isinstance(labels, Mapping) else labels
        # Empty label values mean "label absent" in Prometheus, so they are dropped.
        self._items: tuple[tuple[str, str], ...] = tuple(
            sorted((k, v) for k, v in pairs if v != "")
        )
        self._hash = hash(self._items)

    @classmethod
    def of(cls, name: str | None = None, /, **labels: str) -> LabelSet:
        """Build a label set from a metric name and keyword labels."""
        if name is not None:
            labels[METRIC_NAME] = name
        return cls(labels)

    def __getitem__(self, key: str) -> str:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LabelSet):
            return self._hash == other._hash and self._items == other._items
        return NotImplemented

    def __lt__(self, other: LabelSet) -> bool:
        return self._items < other._items

    def __repr__(self) -> str:
        return f"LabelSet({self.promql()})"

    @property
    def name(self) -> str:
        """The metric name, or "" when the set has none."""
        return self.get(METRIC_NAME, "")

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The sorted (name, value) pairs."""
        return self._items

    def with_labels(self, **updates: str) -> LabelSet:
        """A copy with labels set (an empty value removes the label)."""
        merged = dict(self._items)
        merged.update(updates)
        return LabelSet(merged)

    def without(self, *names: str) -> LabelSet:
        """A copy without the given labels."""
        drop = set(names)
        return LabelSet((k, v) for k, v in self._items if k not in drop)

    def promql(self) -> str:
        """Render as ``name{a="b", ...}`` the way Prometheus prints a series."""
        inner = ", ".join(f'{k}="{_escape(v)}"' for k, v in self._items if k != METRIC_NAME)
        return f"{self.name}{{{inner}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series, as a probe reports it (the scrape time is added later)."""

    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)

    def label_set(self, extra: Mapping[str, str] | None = None) -> LabelSet:
        """The full label set: sample labels, then ``extra`` (target labels) on top."""
        merged = dict(self.labels)
        if extra:
            merged.update(extra)
        merged[METRIC_NAME] = self.name
        return LabelSet(merged)
