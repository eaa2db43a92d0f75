"""What leaves the rule engine: notifications, and the sink protocol delivery implements.

Rules never import delivery: the engine is handed an ``AlertSink`` and calls ``send`` once per
group evaluation with the alerts that are due (Prometheus' resend semantics).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

__all__ = ["AlertSink", "AlertTransitionHook", "Notification", "fingerprint", "iso_time"]

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_SEPARATOR = b"\xff"


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's label-set fingerprint (FNV-1a 64 over sorted names and values), hex."""
    value = _FNV_OFFSET
    for name in sorted(labels):
        for chunk in (name.encode(), _SEPARATOR, labels[name].encode(), _SEPARATOR):
            for byte in chunk:
                value ^= byte
                value = (value * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def iso_time(ts: float) -> str:
    """RFC 3339 UTC at millisecond precision, printed like Go's RFC3339Nano (the form
    Alertmanager and Prometheus use): trailing zeros of the fraction trimmed, no fraction when
    it is zero, e.g. ``…:58.01Z`` and ``…:58Z``."""
    millis = round(ts * 1000)
    moment = datetime.fromtimestamp(millis // 1000, tz=UTC)
    fraction = f"{millis % 1000:03d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


@dataclass(frozen=True)
class Notification:
    """One alert as sent to Alertmanager (``POST /api/v2/alerts``) or a fallback receiver."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float
    ends_at: float
    status: Literal["firing", "resolved"]
    generator_url: str = ""
    group: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def alertname(self) -> str:
        """The ``alertname`` label."""
        return self.labels.get("alertname", "")

    @property
    def fingerprint(self) -> str:
        """Alertmanager-compatible fingerprint of the labels."""
        return fingerprint(self.labels)

    def to_alertmanager(self) -> dict[str, Any]:
        """The postable-alert JSON object of Alertmanager's v2 API."""
        return {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "startsAt": iso_time(self.starts_at),
            "endsAt": iso_time(self.ends_at),
            "generatorURL": self.generator_url,
        }


class AlertSink(Protocol):
    """Where the rule engine hands due notifications; must not block evaluation for long."""

    async def send(self, group: str, notifications: Sequence[Notification]) -> None:
        """Accept the notifications of one group evaluation for delivery."""
        ...


class AlertTransitionHook(Protocol):
    """Called by the rule engine on every alert state change; must return quickly, never raise.

    ``previous`` and ``current`` are Prometheus state names: ``inactive``, ``pending``,
    ``firing``. ``at`` is the evaluation timestamp. The journal implements it.
    """

    def __call__(
        self,
        *,
        group: str,
        alertname: str,
        labels: Mapping[str, str],
        previous: str,
        current: str,
        at: float,
    ) -> None:
        """Record one transition."""
        ...
