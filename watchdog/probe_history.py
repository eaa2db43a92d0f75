"""The last hour of one target's probes, in a fixed ring of one-minute buckets.

The status page draws each target's sparkline (an up/down strip and the probe duration) from
it. Memory is fixed whatever the probe interval: ``SLOTS`` buckets of ``_BUCKET.size`` bytes
in one ``bytearray``: 540 bytes of data, 637 bytes in all with the bytearray's header and
this object (``bytes_per_target()`` measures it). A bucket holds its minute, how many probes
succeeded, failed their check, or found the target down (each saturating at 255), and the
longest probe duration as a half-precision float (three significant digits; enough for a
sparkline). A bucket whose minute is not the one asked for is empty: no data that minute.
"""

from __future__ import annotations

import math
import struct
import sys
from dataclasses import dataclass

__all__ = ["BUCKET_SECONDS", "SLOTS", "Bucket", "ProbeHistory", "bytes_per_target"]

BUCKET_SECONDS = 60
SLOTS = 60
"""One hour of one-minute buckets."""
_BUCKET = struct.Struct("<IBBBe")
_COUNT_MAX = 255
_DURATION_MAX = 65000.0
"""The largest finite half-precision value is 65504; longer durations are clipped."""


@dataclass(frozen=True)
class Bucket:
    """What happened in one minute; all counts zero when nothing was probed."""

    minute: int
    """Unix time // 60."""
    ok: int
    failed: int
    """Answered, but the check failed (``probe_success`` 0, ``up`` 1)."""
    down: int
    max_duration: float

    @property
    def probes(self) -> int:
        """Probes counted in this minute."""
        return self.ok + self.failed + self.down

    @property
    def state(self) -> str:
        """The worst outcome of the minute: ``down``, ``failed``, ``ok`` or ``none``."""
        if self.down:
            return "down"
        if self.failed:
            return "failed"
        return "ok" if self.ok else "none"


class ProbeHistory:
    """A ring of the last ``SLOTS`` minutes of probe outcomes."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data = bytearray(_BUCKET.size * SLOTS)

    def record(self, at: float, *, up: bool, success: bool, duration: float) -> None:
        """Count one probe that started at unix time ``at``."""
        minute = int(at // BUCKET_SECONDS)
        offset = (minute % SLOTS) * _BUCKET.size
        stored, ok, failed, down, longest = _BUCKET.unpack_from(self._data, offset)
        if stored != minute:
            ok = failed = down = 0
            longest = 0.0
        if not up:
            down = min(down + 1, _COUNT_MAX)
        elif not success:
            failed = min(failed + 1, _COUNT_MAX)
        else:
            ok = min(ok + 1, _COUNT_MAX)
        if math.isfinite(duration):
            longest = max(longest, min(max(duration, 0.0), _DURATION_MAX))
        _BUCKET.pack_into(self._data, offset, minute, ok, failed, down, longest)

    def last_hour(self, now: float) -> list[Bucket]:
        """The ``SLOTS`` minutes ending with the current one, oldest first."""
        current = int(now // BUCKET_SECONDS)
        buckets = []
        for minute in range(current - SLOTS + 1, current + 1):
            offset = (minute % SLOTS) * _BUCKET.size
            stored, ok, failed, down, longest = _BUCKET.unpack_from(self._data, offset)
            if stored == minute and minute > 0:
                buckets.append(Bucket(minute, ok, failed, down, float(longest)))
            else:
                buckets.append(Bucket(minute, 0, 0, 0, 0.0))
        return buckets


def bytes_per_target() -> int:
    """What one target's history costs in memory: the object and its buffer."""
    history = ProbeHistory()
    return sys.getsizeof(history) + sys.getsizeof(history._data)
