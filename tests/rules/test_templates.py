# ruff: noqa: E501 - tables of exact expected messages read best unwrapped
"""Templates: Go text/template semantics with Prometheus' functions, compared with promtool output."""

from __future__ import annotations

import math
import re

import pytest

from watchdog.rules.templates import (
    AlertTemplateData,
    QueryBudget,
    QuerySample,
    Template,
    TemplateSyntaxError,
)

DATA = AlertTemplateData(
    labels={"__name__": "up", "instance": "db-1:9100", "job": "node"},
    external_labels={"cluster": "eu"},
    external_url="https://wd.example/prefix",
    value=1234567.0,
)

# Expected strings were produced by Prometheus 2.42's template engine (promtool test rules).
CASES = [
    ("{{ $value }}", "1.234567e+06"),
    ("{{ $value | humanize }}", "1.235M"),
    ("{{ humanize 0.000123 }}", "123u"),
    ("{{ humanize 0 }}", "0"),
    ("{{ humanize1024 2048 }}", "2ki"),
    ("{{ humanize1024 1 }}", "1"),
    ("{{ humanizeDuration 93784 }}", "1d 2h 3m 4s"),
    ("{{ humanizeDuration 0.0042 }}", "4.2ms"),
    ("{{ humanizeDuration 42.5 }}", "42.5s"),
    ("{{ humanizeDuration 0 }}", "0s"),
    ("{{ humanizePercentage 0.256 }}", "25.6%"),
    ("{{ humanizeTimestamp 1600000000.123 }}", "2020-09-13 12:26:40.122 +0000 UTC"),
    ("{{ humanizeTimestamp 1.5 }}", "1970-01-01 00:00:01.5 +0000 UTC"),
    (
        '{{ printf "%.2f %d %s %v %5.1f|%-4s|" 1.234 3 "x" 2.0 3.14159 "ab" }}',
        "1.23 3 x 2   3.1|ab  |",
    ),
    ('{{ printf "%d" 1.5 }}', "%!d(float64=1.5)"),
    ('{{ "hello wORLD foo-bar" | title }}', "Hello WORLD Foo-Bar"),
    ('{{ toUpper .Labels.job }}{{ toLower "ABC" }}', "NODEabc"),
    ('{{ reReplaceAll ":(\\\\d+)$" "/$1" $labels.instance }}', "db-1/9100"),
    ('{{ if match "^db" $labels.instance }}db{{ else }}other{{ end }}', "db"),
    ("{{ $externalLabels.cluster }} {{ $externalURL }}", "eu https://wd.example/prefix"),
    (
        "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
        "__name__=up;instance=db-1:9100;job=node;",
    ),
    ("{{ range $labels }}{{ . }},{{ end }}", "up,db-1:9100,node,"),
    ("a  {{- 1 -}}  b", "a1b"),
    ("{{/* comment */}}x", "x"),
    ("{{ $x := 5 }}{{ $x = 6 }}{{ $x }}", "6"),
    ("{{ if gt $value 1e6 }}big{{ else if gt $value 1.0 }}mid{{ else }}small{{ end }}", "big"),
    ('{{ if and (eq .Labels.job "node") (ne .Labels.job "x") }}y{{ end }}', "y"),
    (
        '{{ or "" "fallback" }} {{ not true }} {{ len $labels }} {{ index $labels "job" }}',
        "fallback false 3 node",
    ),
    ("{{ with $labels.missing }}has{{ else }}none{{ end }}[{{ $labels.missing }}]", "none[]"),
    ("{{ 1e6 }} {{ 0.000012 }} {{ 123456.0 }} {{ 100000000.0 }}", "1e+06 1.2e-05 123456 1e+08"),
    ('{{ stripPort "host:9100" }} {{ parseDuration "1m30s" }}', "host 90"),
    ("{{ pathPrefix }} {{ externalURL }}", "/prefix https://wd.example/prefix"),
    ('{{ . | printf "%v" | len | gt 10 }}', "false"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_expansion_matches_prometheus(text: str, expected: str) -> None:
    """The template expands to what Prometheus produces for the same data."""
    assert Template.compile(text, "__alert_T").expand(DATA) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ nosuch }}", 'function "nosuch" not defined'),
        ("{{ $undefined }}", "undefined variable: $undefined"),
        ("{{ if true }}x", "missing {{end}}"),
        ("{{ end }}", "unexpected {{end}}"),
        ('{{ template "x" }}', "is not supported"),
        ("{{ .Labels", "unclosed action"),
        ("{{ break }}", "outside {range}"),
    ],
)
def test_parse_errors_are_refused_at_load(text: str, reason: str) -> None:
    """Bad syntax raises at compile time with the reason."""
    with pytest.raises(TemplateSyntaxError, match=re.escape(reason)):
        Template.compile(text, "__alert_T")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ gt $value 1 }}", "error calling gt: incompatible types for comparison"),
        ('{{ humanize "abc" }}', "error calling humanize"),
        ("{{ .Nope }}", "can't evaluate field Nope"),
        ("{{ index $labels 1 }}", "error calling index"),
        ('{{ first (query "up") }}', "error calling query"),
    ],
)
def test_expansion_errors_become_an_error_string(text: str, reason: str) -> None:
    """A failing expansion returns Prometheus' error string instead of raising."""
    out = Template.compile(text, "__alert_T").expand(DATA)
    assert out.startswith("<error expanding template: error executing template __alert_T:")
    assert reason in out


def test_query_function_uses_the_given_callback() -> None:
    """``query`` runs through the callback; ``first``/``value``/``label`` read its samples."""

    def run(expr: str, _budget: QueryBudget) -> list[QuerySample]:
        assert expr == "up"
        return [QuerySample({"instance": "a"}, 1.0), QuerySample({"instance": "b"}, 0.0)]

    text = '{{ with query "up" }}{{ . | first | value }} {{ range . }}{{ label "instance" . }}{{ end }}{{ end }}'
    assert Template.compile(text).expand(DATA, run) == "1 ab"


def test_static_text_is_returned_untouched() -> None:
    """Text without actions is not parsed at all."""
    template = Template.compile("plain {not a template}")
    assert template.is_static
    assert template.expand(DATA) == "plain {not a template}"


def test_special_float_values_print_like_go() -> None:
    """NaN and infinities print as Go prints them."""
    nan = AlertTemplateData(labels={}, value=math.nan)
    inf = AlertTemplateData(labels={}, value=math.inf)
    assert Template.compile("{{ $value }} {{ humanize $value }}").expand(nan) == "NaN NaN"
    assert Template.compile("{{ $value }}").expand(inf) == "+Inf"
