"""Counter increases between two probes of the same target.

Components such as Prometheus and Alertmanager expose failures as counters since their start;
a single probe cannot tell whether one of them is *still* growing. ``CounterMemory``, a slot of
the target's ``TargetMemory``, keeps the last value of each counter so a probe can say "3 rule
evaluations failed since the last probe" and judge health from that, the way ``increase()``
would over one interval.
"""

from __future__ import annotations

from collections.abc import Iterable

from watchdog.samples import LabelSet, Sample

__all__ = ["CounterMemory"]


class CounterMemory:
    """Last seen counter values of one target."""

    def __init__(self) -> None:
        self._last: dict[LabelSet, float] | None = None

    def increases(self, counters: Iterable[Sample]) -> dict[LabelSet, float] | None:
        """Increase of each counter since the previous call.

        ``None`` on the first call (nothing to compare with yet). A counter that went down was
        reset (the component restarted): its whole current value counts as the increase, as in
        PromQL's ``increase()``. A series not seen last time is left out.
        """
        current = {sample.label_set(): float(sample.value) for sample in counters}
        previous, self._last = self._last, current
        if previous is None:
            return None
        out: dict[LabelSet, float] = {}
        for key, value in current.items():
            before = previous.get(key)
            if before is None:
                continue
            out[key] = value - before if value >= before else value
        return out

    def clear(self) -> None:
        """Forget the remembered values (the next call starts afresh)."""
        self._last = None
