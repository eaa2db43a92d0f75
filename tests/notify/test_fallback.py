"""The fallback decision: when every replica counts as failed, and why (exact times)."""

from __future__ import annotations

import pytest

from watchdog.config.alerting import FallbackConfig
from watchdog.notify.fallback import ReplicaHealth, assess, same_endpoint

T = 1_700_000_000.0
CFG = FallbackConfig(after_failures=2, after="10s")


def _replica(name: str = "http://am-0:9093") -> ReplicaHealth:
    return ReplicaHealth(name)


def test_two_consecutive_failures_trip_a_replica() -> None:
    """One failed send is tolerated; the second one in a row counts the replica as failed."""
    am = _replica()
    am.sending(T)
    am.failed(T, "connection failed: connection refused")
    assert am.failure(T + 0.5, CFG) is None
    am.sending(T + 0.5)
    am.failed(T + 0.5, "connection failed: connection refused")
    why = am.failure(T + 0.5, CFG)
    assert why is not None
    assert "2 consecutive failed sends" in why
    assert "connection refused" in why


def test_failing_for_the_window_trips_even_with_one_failure() -> None:
    """A single failure followed by a long backoff counts once ``after`` has passed."""
    am = _replica()
    am.sending(T)
    am.failed(T, "HTTP 503")
    assert am.failure(T + 9.9, CFG) is None
    assert am.failure(T + 10.0, CFG) == "HTTP 503 (sends failing since 2023-11-14T22:13:20Z)"


def test_an_unanswered_send_trips_after_the_window() -> None:
    """A hanging send counts the replica as failed after ``after`` seconds without answer."""
    am = _replica()
    am.sending(T)
    assert am.failure(T + 9.0, CFG) is None
    assert am.failure(T + 10.0, CFG) == "no answer to a send for 10s"


def test_success_clears_failures() -> None:
    """An accepted send makes the replica available again at once."""
    am = _replica()
    for at in (T, T + 1, T + 2):
        am.sending(at)
        am.failed(at, "boom")
    am.sending(T + 3)
    am.succeeded(T + 3)
    assert am.failure(T + 30, CFG) is None


def test_probe_down_counts_until_a_later_send_is_accepted() -> None:
    """A failed probe trips the replica; only an accepted send after it clears that."""
    am = _replica()
    am.succeeded(T)
    am.probed(T + 1, up=False, error="connection refused")
    assert am.failure(T + 1, CFG) == (
        "probe reports it down since 2023-11-14T22:13:21Z: connection refused"
    )
    am.probed(T + 2, up=True, error=None)
    assert am.failure(T + 2, CFG) is None
    am.probed(T + 3, up=False, error="timeout")
    am.succeeded(T + 4)
    assert am.failure(T + 4, CFG) is None


def test_fallback_needs_every_replica_failed_and_names_each() -> None:
    """One healthy replica keeps delivery on Alertmanager; all failed lists every reason."""
    a, b = _replica("http://am-0:9093"), _replica("http://am-1:9093")
    for at in (T, T + 1):
        a.sending(at)
        a.failed(at, "connection failed: connection refused")
    assert not assess([a, b], T + 1, CFG).active
    b.probed(T + 1, up=False, error="HTTP 500")
    state = assess([a, b], T + 1, CFG)
    assert state.active
    assert state.reason().startswith("no Alertmanager accepts alerts: http://am-0:9093: ")
    assert "http://am-1:9093: probe reports it down" in state.reason()


def test_no_alertmanager_means_permanent_fallback() -> None:
    """Without replicas the emergency receivers are the only path."""
    state = assess([], T, CFG)
    assert state.active
    assert state.reason() == "no Alertmanager is configured"


@pytest.mark.parametrize(
    ("probe", "replica", "same"),
    [
        ("http://am:9093", "http://am:9093/", True),
        ("http://AM:9093/", "http://am:9093", True),
        ("http://localhost:9093", "http://127.0.0.1:9093", True),
        ("https://am", "https://am:443/", True),
        ("http://am:9093/alertmanager/-/healthy", "http://am:9093/alertmanager", True),
        ("http://am:9094", "http://am:9093", False),
        ("https://am:9093", "http://am:9093", False),
        ("http://am:9093/other", "http://am:9093/alertmanager", False),
    ],
)
def test_probe_targets_match_replicas_by_url(probe: str, replica: str, same: bool) -> None:
    """Probe URLs match a replica on scheme, host, port and path prefix."""
    assert same_endpoint(probe, replica) is same
