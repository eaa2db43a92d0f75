"""The per-target ring behind the sparklines: bounded, per minute, worst outcome wins."""

from __future__ import annotations

from watchdog.probe_history import SLOTS, ProbeHistory, bytes_per_target

T0 = 1_800_000_000.0  # a minute boundary


def test_probes_in_one_minute_are_counted_together() -> None:
    """Outcomes of one minute add up; its state is the worst, its duration the longest."""
    history = ProbeHistory()
    history.record(T0 + 1, up=True, success=True, duration=0.1)
    history.record(T0 + 20, up=True, success=False, duration=0.5)
    history.record(T0 + 40, up=True, success=True, duration=0.2)
    bucket = history.last_hour(T0 + 59)[-1]
    assert (bucket.ok, bucket.failed, bucket.down) == (2, 1, 0)
    assert bucket.state == "failed"
    assert abs(bucket.max_duration - 0.5) < 0.001
    history.record(T0 + 50, up=False, success=False, duration=2.0)
    assert history.last_hour(T0 + 59)[-1].state == "down"


def test_last_hour_has_gaps_and_forgets_older_minutes() -> None:
    """Minutes without probes are empty; a slot reused an hour later starts afresh."""
    history = ProbeHistory()
    history.record(T0, up=False, success=False, duration=1.0)
    hour = history.last_hour(T0 + 120)
    assert len(hour) == SLOTS
    assert [b.state for b in hour[-3:]] == ["down", "none", "none"]
    history.record(T0 + SLOTS * 60, up=True, success=True, duration=0.01)  # same slot
    later = history.last_hour(T0 + SLOTS * 60)
    assert later[-1].state == "ok" and later[-1].down == 0
    assert all(b.state == "none" for b in later[:-1])


def test_counts_saturate_instead_of_wrapping() -> None:
    """More than 255 probes in a minute stay at 255 (a one-byte counter never wraps)."""
    history = ProbeHistory()
    for second in range(300):
        history.record(T0 + second / 10, up=True, success=True, duration=float("nan"))
    bucket = history.last_hour(T0)[-1]
    assert bucket.ok == 255 and bucket.max_duration == 0.0


def test_memory_per_target_is_small_and_fixed() -> None:
    """One target's hour costs well under a kilobyte, whatever its interval."""
    assert bytes_per_target() < 1024
