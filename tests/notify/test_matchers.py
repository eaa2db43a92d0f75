"""Alertmanager's matcher syntax: parsing, matching, printing (as in its group keys)."""

from __future__ import annotations

import pytest

from watchdog.notify.matchers import (
    Matcher,
    MatcherError,
    format_matchers,
    matchers_from_api,
    parse_matcher,
    parse_matchers,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alertname=VaultSealed", [("alertname", "=", "VaultSealed")]),
        (
            '{severity=~"critical|page", team!="db"}',
            [("severity", "=~", "critical|page"), ("team", "!=", "db")],
        ),
        ("foo=bar,dings!=bums,", [("foo", "=", "bar"), ("dings", "!=", "bums")]),
        ('msg="a, b"', [("msg", "=", "a, b")]),
        (r'quote="She said: \"Hi\""', [("quote", "=", 'She said: "Hi"')]),
        (r'path="C:\\x\n"', [("path", "=", "C:\\x\n")]),
        ('  job  !~  "node.*"  ', [("job", "!~", "node.*")]),
        ('empty=""', [("empty", "=", "")]),
    ],
)
def test_parse_like_alertmanager(text: str, expected: list[tuple[str, str, str]]) -> None:
    """Braces, quotes, escapes and commas inside quotes as Alertmanager's ParseMatchers."""
    assert [(m.name, m.op, m.value) for m in parse_matchers(text)] == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("alertname", "bad matcher format"),
        ("1abc=x", "bad matcher format"),
        ('a="unterminated', "closing double quote"),
        ('a="x"y"', "unescaped double quote"),
        ('a=~"(unclosed"', "invalid regular expression"),
    ],
)
def test_bad_matchers_say_why(text: str, reason: str) -> None:
    """Every refusal names the problem."""
    with pytest.raises(MatcherError, match=reason):
        parse_matcher(text)


def test_regex_is_anchored_and_a_missing_label_is_empty() -> None:
    """=~ matches the whole value; != and !~ match an alert without the label."""
    assert parse_matcher('severity=~"crit"').matches({"severity": "critical"}) is False
    assert parse_matcher('severity=~"crit.*"').matches({"severity": "critical"}) is True
    assert parse_matcher("team!=db").matches({}) is True
    assert parse_matcher('team!~".+"').matches({}) is True
    assert parse_matcher("team=db").matches({}) is False


def test_printed_sorted_and_escaped_like_alertmanager_route_keys() -> None:
    """Sorted by name, value, operator; values quoted with OpenMetrics escapes, no spaces."""
    matchers = parse_matchers('team="sec", severity=~"critical|page", a="x\\"y"')
    assert format_matchers(matchers) == '{a="x\\"y",severity=~"critical|page",team="sec"}'
    assert format_matchers([]) == "{}"


def test_api_form_round_trips() -> None:
    """isRegex/isEqual map to the four operators and back."""
    for op in ("=", "!=", "=~", "!~"):
        matcher = Matcher.of("job", op, "vault")
        (back,) = matchers_from_api([matcher.to_api()])
        assert back == matcher
    with pytest.raises(MatcherError):
        matchers_from_api([{"name": "", "value": "x"}])
