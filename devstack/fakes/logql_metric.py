"""The LogQL metric queries the fake Loki evaluates: ``count_over_time`` of a log query, alone or
under ``sum`` (optionally ``sum by (labels)``).

``sum(count_over_time({job="audit"} |= "x" [1m]))`` and ``sum by (host) (count_over_time(…))``.
The range is a Prometheus-style duration. Any other function or aggregation is a parse error,
as it would be for a query outside this subset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from devstack.fakes.logql import LogQLError, Query, parse_query
from watchdog.durations import DurationError, parse_duration

__all__ = ["MetricQuery", "is_metric_query", "parse_metric_query"]

_SUM = re.compile(r"^sum\s*(?:by\s*\(\s*([A-Za-z0-9_,\s]*)\)\s*)?\((.*)\)$", re.DOTALL)
_COUNT = re.compile(r"^count_over_time\s*\((.*)\)$", re.DOTALL)


@dataclass(frozen=True)
class MetricQuery:
    """``count_over_time(<logs>[<range>])``, summed (by ``by``) when ``summed``."""

    logs: Query
    range_ns: int
    summed: bool
    by: tuple[str, ...] = ()

    def evaluate(
        self, streams: Mapping[tuple[tuple[str, str], ...], Iterable[tuple[int, str]]], at_ns: int
    ) -> list[tuple[dict[str, str], int]]:
        """Series and counts at ``at_ns``: entries with ``at - range < ts <= at`` (Loki's range
        is open on the left, closed on the right). Series with no entry are absent, so a sum
        over nothing is an empty result, not 0 — as in Loki."""
        counts: dict[tuple[tuple[str, str], ...], int] = {}
        for labels, entries in streams.items():
            if not self.logs.selects(dict(labels)):
                continue
            n = sum(
                1
                for ts, line in entries
                if at_ns - self.range_ns < ts <= at_ns and self.logs.keeps(line)
            )
            if n == 0:
                continue
            key = labels
            if self.summed:
                key = tuple((k, v) for k, v in labels if k in self.by)
            counts[key] = counts.get(key, 0) + n
        return [(dict(key), n) for key, n in counts.items()]


def is_metric_query(text: str) -> bool:
    """True when ``text`` is not a plain log query (it does not start with a selector)."""
    return not text.strip().startswith("{")


def parse_metric_query(text: str) -> MetricQuery:
    """Parse the supported metric queries; LogQLError otherwise."""
    source = text.strip()
    summed = False
    by: tuple[str, ...] = ()
    outer = _SUM.match(source)
    if outer is not None:
        summed = True
        by = tuple(name.strip() for name in (outer.group(1) or "").split(",") if name.strip())
        source = outer.group(2).strip()
    inner = _COUNT.match(source)
    if inner is None:
        raise LogQLError(
            "parse error: the fake Loki evaluates only count_over_time(<log query>[<range>]), "
            "optionally under sum or sum by (…)"
        )
    body = inner.group(1).strip()
    logs, bracket, rest = body.rpartition("[")
    if not bracket or not rest.endswith("]"):
        raise LogQLError("parse error: count_over_time needs a range such as [1m]")
    try:
        seconds = parse_duration(rest[:-1].strip())
    except DurationError as exc:
        raise LogQLError(f"parse error: {exc}") from None
    if seconds <= 0:
        raise LogQLError("parse error: the range must be positive")
    return MetricQuery(parse_query(logs), round(seconds * 1e9), summed, by)
