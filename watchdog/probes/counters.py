"""Counter increases between two probes of the same target.

Components such as Prometheus and Alertmanager expose failures as counters since their start;
a single probe cannot tell whether one of them is *still* growing. ``CounterMemory`` keeps the
last value of each counter per target so a probe can say "3 rule evaluations failed since the
last probe" and judge health from that, the way ``increase()`` would over one interval.
"""

from __future__ import annotations

from collections.abc import Iterable

from watchdog.samples import LabelSet, Sample

__all__ = ["CounterMemory"]


class CounterMemory:
    """Last seen counter values, per target key."""

    def __init__(self) -> None:
        self._last: dict[str, dict[LabelSet, float]] = {}

    def increases(self, target: str, counters: Iterable[Sample]) -> dict[LabelSet, float] | None:
        """Increase of each counter since the previous call for ``target``.

        ``None`` on the first call (nothing to compare with yet). A counter that went down was
        reset (the component restarted): its whole current value counts as the increase, as in
        PromQL's ``increase()``. A series not seen last time is left out.
        """
        current = {sample.label_set(): float(sample.value) for sample in counters}
        previous = self._last.get(target)
        self._last[target] = current
        if previous is None:
            return None
        out: dict[LabelSet, float] = {}
        for key, value in current.items():
            before = previous.get(key)
            if before is None:
                continue
            out[key] = value - before if value >= before else value
        return out

    def forget(self, target: str) -> None:
        """Drop what is remembered for ``target``."""
        self._last.pop(target, None)
