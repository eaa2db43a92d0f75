"""When a group evaluates: a fixed grid per group, offset by a hash of its key.

Like Prometheus' ``Group.EvalTimestamp``: every group evaluates at ``base + k x interval`` where
the base is a stable per-group offset, so groups sharing an interval do not all run in the same
instant, and the timestamps stay on the grid across restarts.
"""

from __future__ import annotations

import hashlib

__all__ = ["eval_timestamp", "group_offset", "next_evaluation"]


def group_offset(key: str, interval: float) -> float:
    """A stable offset in ``[0, interval)`` derived from the group key."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(1, round(interval * 1000)) / 1000.0


def eval_timestamp(now: float, key: str, interval: float) -> float:
    """The latest grid point of the group at or before ``now``."""
    offset = group_offset(key, interval)
    adjusted = now - offset
    return adjusted - (adjusted % interval) + offset


def next_evaluation(previous: float, now: float, interval: float) -> tuple[float, int]:
    """The next timestamp after ``previous`` given it is ``now``, and how many were missed.

    When an evaluation overran, the grid points that passed meanwhile are skipped (and
    counted) and the most recent one is evaluated at once, as Prometheus does.
    """
    passed = int((now - previous) // interval)
    if passed <= 1:
        return previous + interval, 0
    return previous + passed * interval, passed - 1
