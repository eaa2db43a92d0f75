"""Time windows: aligned to the Unix epoch, identified by their start (whole seconds), half-open
``[start, start + window)``; and a compact set of windows still to be checked."""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = ["WindowRanges", "first_window", "newest_eligible", "shown"]


def newest_eligible(now: float, window: int, settle: float) -> int:
    """Start of the newest window that ended at least ``settle`` before ``now``."""
    return math.floor((now - settle) / window) * window - window


def first_window(since: float, window: int) -> int:
    """Start of the first window that begins at or after ``since``."""
    return math.ceil(since / window) * window


def shown(start: float) -> str:
    """A window start for people: ``2023-11-14T22:13:00Z``."""
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WindowRanges:
    """Window starts as sorted, disjoint, non-adjacent inclusive ranges ``[low, high]``.

    A catch-up of a week of one-minute windows is one range here, not ten thousand entries.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self._ranges: list[list[int]] = []

    def __len__(self) -> int:
        return sum((high - low) // self.window + 1 for low, high in self._ranges)

    def __bool__(self) -> bool:
        return bool(self._ranges)

    def add(self, low: int, high: int) -> None:
        """Add the windows ``low``..``high`` (inclusive; nothing when ``high < low``)."""
        if high < low:
            return
        merged = [low, high]
        kept: list[list[int]] = []
        for current in self._ranges:
            if current[1] + self.window < merged[0] or merged[1] + self.window < current[0]:
                kept.append(current)
            else:
                merged = [min(merged[0], current[0]), max(merged[1], current[1])]
        kept.append(merged)
        self._ranges = sorted(kept)

    def newest(self) -> int | None:
        """The newest window, or None when empty."""
        return self._ranges[-1][1] if self._ranges else None

    def oldest(self) -> int | None:
        """The oldest window, or None when empty."""
        return self._ranges[0][0] if self._ranges else None

    def discard(self, start: int) -> None:
        """Remove one window (it is being checked)."""
        for index, (low, high) in enumerate(self._ranges):
            if low <= start <= high:
                pieces = [[low, start - self.window], [start + self.window, high]]
                self._ranges[index : index + 1] = [p for p in pieces if p[0] <= p[1]]
                return

    def drop_before(self, start: float) -> int:
        """Remove every window starting before ``start``; how many were removed."""
        removed = 0
        kept: list[list[int]] = []
        for low, high in self._ranges:
            if high < start:
                removed += (high - low) // self.window + 1
                continue
            if low < start:
                first = first_window(start, self.window)
                removed += (first - low) // self.window
                low = first
            kept.append([low, high])
        self._ranges = kept
        return removed
