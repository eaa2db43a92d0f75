"""Go float semantics: the places where Python would raise or print differently."""

from __future__ import annotations

import math

import pytest

from watchdog.promql.gomath import (
    civil_time,
    div,
    format_float,
    go_max,
    go_min,
    kahan_add,
    mod,
    parse_float,
    pow_,
    to_int64,
)


def test_division_by_zero_gives_ieee_results() -> None:
    """x/0 is ±Inf and 0/0 NaN, as in Go, instead of ZeroDivisionError."""
    assert div(1.0, 0.0) == math.inf
    assert div(-1.0, 0.0) == -math.inf
    assert div(1.0, -0.0) == -math.inf
    assert math.isnan(div(0.0, 0.0))


def test_mod_follows_go() -> None:
    """math.Mod: sign of the dividend, NaN for a zero divisor or infinite dividend."""
    assert mod(-7.0, 3.0) == -1.0
    assert mod(7.0, -3.0) == 1.0
    assert math.isnan(mod(1.0, 0.0))
    assert math.isnan(mod(math.inf, 2.0))
    assert mod(5.0, math.inf) == 5.0


def test_pow_overflow_and_domain() -> None:
    """math.Pow: overflow is ±Inf, negative base with fraction NaN, 0^-1 +Inf."""
    assert pow_(10.0, 400.0) == math.inf
    assert pow_(-10.0, 401.0) == -math.inf
    assert math.isnan(pow_(-8.0, 1 / 3))
    assert pow_(0.0, -1.0) == math.inf
    assert pow_(-0.0, -1.0) == -math.inf
    assert pow_(-0.0, -2.0) == math.inf


def test_max_min_nan_and_zero_rules() -> None:
    """math.Max/Min: infinities beat NaN, NaN beats numbers, signed zeros are ordered."""
    assert go_max(math.nan, math.inf) == math.inf
    assert math.isnan(go_max(1.0, math.nan))
    assert math.copysign(1.0, go_max(-0.0, 0.0)) == 1.0
    assert go_min(math.nan, -math.inf) == -math.inf
    assert math.copysign(1.0, go_min(0.0, -0.0)) == -1.0


def test_kahan_compensates_cancellation() -> None:
    """Neumaier summation recovers what naive addition loses."""
    total = compensation = 0.0
    for value in (1e16, 1.0, 1.0, -1e16):
        total, compensation = kahan_add(value, total, compensation)
    assert total + compensation == 2.0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100.0, "100"),
        (1.5, "1.5"),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
        (0.1 + 0.2, "0.30000000000000004"),
    ],
)
def test_format_float_matches_strconv(value: float, text: str) -> None:
    """FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent."""
    assert format_float(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1.0),
        ("+Inf", math.inf),
        ("inf", math.inf),
        ("-1.5e3", -1500.0),
        ("0x1p-2", 0.25),
        (".5", 0.5),
    ],
)
def test_parse_float_accepts_go_syntax(text: str, value: float) -> None:
    """ParseFloat accepts decimal, exponent, hex-float and infinity spellings."""
    assert parse_float(text) == value


@pytest.mark.parametrize("text", ["", " 1", "1_000", "0x10", "1e400", "abc", "1,5"])
def test_parse_float_rejects_what_go_rejects(text: str) -> None:
    """Whitespace, underscores, hex without exponent and overflow are errors in Go."""
    assert parse_float(text) is None


def test_to_int64_uses_amd64_conversion() -> None:
    """int64(f) truncates; NaN and out-of-range values become the minimum int64."""
    assert to_int64(-2.9) == -2
    assert to_int64(math.nan) == -(2**63)
    assert to_int64(1e19) == -(2**63)


def test_civil_time_fields() -> None:
    """Calendar fields of a Unix time in UTC, including leap-year February."""
    t = civil_time(1582934400.0)  # 2020-02-29 00:00:00 UTC, a Saturday
    assert (t.year, t.month, t.day, t.days_in_month, t.day_of_year) == (2020, 2, 29, 29, 60)
    assert (t.weekday, t.hour, t.minute) == (6, 0, 0)
    assert civil_time(-1.0).year == 1969


def test_civil_time_of_nan_matches_go() -> None:
    """NaN converts to the minimum int64 in Go; the resulting date is reproduced, not an error."""
    t = civil_time(math.nan)
    assert (t.weekday, t.hour) == (0, 15)
    assert t.year > 292_000_000_000
