"""Parsing: what we accept, what we refuse with which message, and the Query API."""

from __future__ import annotations

import re

import pytest

from watchdog.promql import PromQLError, Query, UnsupportedError
from watchdog.store import Matcher

REFUSED = [
    ("info(x)", "unsupported function 'info'"),
    (
        "double_exponential_smoothing(x[5m], 0.5, 0.5)",
        "unsupported function 'double_exponential_smoothing'",
    ),
    ("histogram_count(x)", "unsupported function 'histogram_count'"),
    ("histogram_fraction(0, 1, x)", "unsupported function 'histogram_fraction'"),
    ('sort_by_label(x, "a")', "unsupported function 'sort_by_label'"),
    ("first_over_time(x[5m])", "unsupported function 'first_over_time'"),
    ("mad_over_time(x[5m])", "unsupported function 'mad_over_time'"),
    ("limitk(1, x)", "unsupported aggregation 'limitk'"),
    ("limit_ratio(0.5, x)", "unsupported aggregation 'limit_ratio'"),
    ('x{a="1" or b="2"}', "'or' inside label matchers is not supported"),
    ("x + fill(0) y", "fill modifiers are not supported"),
]


@pytest.mark.parametrize(("expr", "message"), REFUSED)
def test_refused_constructs_name_themselves(expr: str, message: str) -> None:
    """Each unsupported construct is refused at parse time with a message naming it."""
    with pytest.raises(UnsupportedError, match=re.escape(message)):
        Query.parse(expr)


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("rate(x)", "expected type matrix in call to function 'rate'"),
        ("sum(", "parse error"),
        ("x > 5m", "unexpected duration '5m'"),
        ('x{a=~"("}', "illegal regex"),
        ('x{a=~"\\\\C"}', "illegal regex for"),
        ('x{a=~"(?<n>a)"}', "which Prometheus' regular expressions [(]Go RE2[)] do not accept"),
        ('label_replace(x, "a", "$1", "b", "(?<n>a)")', "in label_replace"),
        ('label_replace(x, "1a", "", "b", ".*")', "invalid destination label name"),
        ('label_replace(x, "a", "", "b", "(")', "invalid regular expression in label_replace()"),
        ('label_join(x, "a", ",", "b-c")', "invalid source label name in label_join(): b-c"),
        ('count_values("a-b", x)', "invalid label name 'a-b'"),
    ],
)
def test_invalid_queries_fail_with_reason(expr: str, fragment: str) -> None:
    """Invalid PromQL raises PromQLError saying what is wrong."""
    with pytest.raises(PromQLError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Query.parse(expr)


@pytest.mark.parametrize(
    "expr",
    [
        "holt_winters(x[10m], 0.5, 0.5)",
        "max_over_time(rate(x[5m])[30m:1m] offset 5m)",
        "x offset -5m",
        "x[5m] offset 1h",
        "1 + 2 # a comment with 5m",
        'x{a="5m"} > 1',
        "day_of_year()",
    ],
)
def test_accepted_constructs(expr: str) -> None:
    """Constructs Prometheus 2.42 has and we support parse cleanly."""
    Query.parse(expr)


def test_value_types() -> None:
    """value_type reports what the expression returns."""
    assert Query.parse("x").value_type == "vector"
    assert Query.parse("1 + time()").value_type == "scalar"
    assert Query.parse('"s"').value_type == "string"
    assert Query.parse("x[5m]").value_type == "matrix"
    assert Query.parse("x[5m:1m]").value_type == "matrix"
    assert Query.parse("scalar(x) * 2").value_type == "scalar"


def test_selectors_carry_store_matchers() -> None:
    """selectors() lists every selector with name, matchers (incl. __name__), range and offset."""
    query = Query.parse('rate(http_total{code=~"5.."}[5m] offset 1m) / on() up')
    first, second = query.selectors()
    assert first.name == "http_total"
    assert first.matchers == (Matcher("__name__", "=", "http_total"), Matcher("code", "=~", "5.."))
    assert (first.range, first.offset) == (300.0, 60.0)
    assert (second.name, second.range, second.offset) == ("up", 0.0, 0.0)


def test_lookback_window_includes_subqueries() -> None:
    """lookback_window() adds the ranges and offsets of enclosing subqueries."""
    assert Query.parse("x").lookback_window() == 0.0
    assert Query.parse("rate(x[5m] offset 1m)").lookback_window() == 360.0
    assert Query.parse("max_over_time(rate(x[5m])[30m:1m] offset 10m)").lookback_window() == 2700.0
    assert Query.parse("x[1m] offset -5m").lookback_window() == 0.0


def test_metric_names() -> None:
    """metric_names() gives fixed names, None when a selector has none."""
    assert Query.parse('a + on() {__name__="b"} + sum(c)').metric_names() == {"a", "b", "c"}
    assert Query.parse('{__name__=~"a|b"}').metric_names() is None
    assert Query.parse("time()").metric_names() == set()
