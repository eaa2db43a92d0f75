"""Prometheus duration syntax."""

import pytest

from watchdog.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15s", 15.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        ("2d", 172800.0),
        ("1w", 604800.0),
        ("1y", 31536000.0),
        ("1h2m3s4ms", 3723.004),
        ("0", 0.0),
        ("0s", 0.0),
    ],
)
def test_parse_valid(text: str, seconds: float) -> None:
    """Every Prometheus unit parses, largest first."""
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "15", "1s1m", "1.5s", "-1s", "1m1m", "s", "1 m", "1M"])
def test_parse_invalid(text: str) -> None:
    """Unit-less, out-of-order, fractional, negative and repeated units are refused."""
    with pytest.raises(DurationError, match=r"invalid duration|expected"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(90.0, "1m30s"), (0.0, "0s"), (0.25, "250ms"), (86400 * 8, "1w1d")]
)
def test_format_round_trips(seconds: float, text: str) -> None:
    """Formatting gives Prometheus' canonical form, which parses back to the same value."""
    assert format_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(seconds)
