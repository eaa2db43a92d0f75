"""The last hour of a target as an inline SVG: an up/down strip and the probe duration.

State is drawn by height as well as colour, so it reads without colour: a short bar for a
minute whose probes all succeeded, a half-height bar for a failed check, a full-height bar
for a minute the target was down, nothing for a minute without probes. Runs of equal minutes
are merged into one ``<rect>``, so a steady target costs a few hundred bytes. The duration
line is scaled to the hour's slowest probe, which the label and the text beside it name.
"""

from __future__ import annotations

from watchdog.page.html import e
from watchdog.page.times import duration
from watchdog.probe_history import Bucket

__all__ = ["HEIGHT", "WIDTH", "sparkline"]

_STEP = 2
WIDTH = 60 * _STEP
_STRIP = 10
_GAP = 2
_LINE = 14
HEIGHT = _STRIP + _GAP + _LINE
_BAR = {"ok": 3, "failed": 6, "down": _STRIP}


def _strip(buckets: list[Bucket]) -> list[str]:
    shapes: list[str] = []
    start = 0
    for index in range(1, len(buckets) + 1):
        if index < len(buckets) and buckets[index].state == buckets[start].state:
            continue
        state = buckets[start].state
        if state != "none":
            height = _BAR[state]
            shapes.append(
                f'<rect class="s-{state}" x="{start * _STEP}" y="{_STRIP - height}"'
                f' width="{(index - start) * _STEP}" height="{height}"/>'
            )
        start = index
    return shapes


def _line(buckets: list[Bucket], slowest: float) -> str:
    if slowest <= 0:
        return ""
    top = _STRIP + _GAP
    parts: list[str] = []
    drawing = False
    for index, bucket in enumerate(buckets):
        if not bucket.probes:
            drawing = False
            continue
        x = index * _STEP + 1
        y = top + round((1 - bucket.max_duration / slowest) * (_LINE - 1))
        parts.append(f"{'L' if drawing else 'M'}{x} {y}")
        drawing = True
    return f'<path class="dur" d="{"".join(parts)}"/>' if parts else ""


def describe(buckets: list[Bucket]) -> str:
    """The sparkline in words (its accessible label)."""
    minutes = {"ok": 0, "failed": 0, "down": 0, "none": 0}
    for bucket in buckets:
        minutes[bucket.state] += 1
    slowest = max((b.max_duration for b in buckets if b.probes), default=0.0)
    parts = [f"{minutes['ok']} min ok"]
    if minutes["failed"]:
        parts.append(f"{minutes['failed']} min failing")
    if minutes["down"]:
        parts.append(f"{minutes['down']} min down")
    if minutes["none"]:
        parts.append(f"{minutes['none']} min no data")
    text = "last hour: " + ", ".join(parts)
    return text + (f"; slowest probe {duration(slowest)}" if slowest > 0 else "")


def sparkline(buckets: list[Bucket]) -> str:
    """The SVG for one target's last hour (oldest minute on the left)."""
    slowest = max((b.max_duration for b in buckets if b.probes), default=0.0)
    label = describe(buckets)
    body = "".join(_strip(buckets)) + _line(buckets, slowest)
    return (
        f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" aria-label="{e(label)}"><title>{e(label)}</title>'
        f'<rect class="track" x="0" y="0" width="{WIDTH}" height="{_STRIP}"/>{body}</svg>'
    )
