"""User regexes: RE2 with Prometheus' syntax and anchoring, Go's expansion, linear time."""

from __future__ import annotations

import threading

import pytest

from watchdog.promql import PromQLError, Query, evaluate
from watchdog.rules.templates.functions import match, re_replace_all
from watchdog.samples import LabelSet
from watchdog.store import Matcher, SampleStore
from watchdog.userregex import RegexError, compile_regex


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("(?i)foo", "FoO", True),  # a flag at the start of the pattern
        ("((?i)PRO).*", "production", True),  # a flag in the middle (re refuses this)
        ("((?i)PRO).*", "xPRO", False),
        ("a(?i)b", "aB", True),
        ("a(?i)b", "AB", False),  # the flag applies only after it
        ("(?s).", "\n", True),
        (".", "\n", False),  # without (?s) a dot does not match a newline
        ("foo", "foo\n", False),  # anchored at the very end, not before a newline
        ("(?U)a+", "aaa", True),
        ("\\pL+", "Grüße", True),
        ("[[:alpha:]]+", "abc", True),
        ("\\Qa.b\\E", "a.b", True),
        ("\\Qa.b\\E", "axb", False),
        ("\\d+", "٣", False),  # \d is ASCII, as in Go
        ("a)|(b", "ab", True),  # Prometheus wraps as ^(?:a)|(b)$: 'a' anchored at the start
        ("", "", True),
    ],
)
def test_anchored_matching_follows_prometheus(pattern: str, value: str, expected: bool) -> None:
    """Matchers anchor as ^(?:re)$ and read RE2 syntax: inline flags anywhere, \\pL, \\Q..\\E."""
    assert Matcher("l", "=~", pattern).matches(value) is expected
    assert Matcher("l", "!~", pattern).matches(value) is not expected


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [("\\C", "\\C (any byte)"), ("(?<name>a)", "(?<name>...)")],
)
def test_constructs_go_refuses_are_refused_by_name(pattern: str, construct: str) -> None:
    """What C++ RE2 accepts but Prometheus' Go regexp refuses is refused, naming it."""
    with pytest.raises(RegexError) as caught:
        compile_regex(pattern)
    assert construct in str(caught.value)
    assert "Go RE2" in str(caught.value)


def test_escaped_backslash_before_c_is_fine() -> None:
    """``\\\\C`` is an escaped backslash followed by C, not the any-byte escape."""
    assert compile_regex("\\\\C").matches("\\C")


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [("(", "missing ): ("), ("(?=a)", "invalid perl operator"), ("a{1001}", "repetition")],
)
def test_invalid_patterns_name_the_pattern_as_written(pattern: str, fragment: str) -> None:
    """Errors quote the user's pattern (not the anchored wrapper) and RE2's reason."""
    with pytest.raises(RegexError) as caught:
        compile_regex(pattern, anchored=True)
    assert f"invalid regular expression {pattern!r}" in str(caught.value)
    assert fragment in str(caught.value)


def test_promql_accepts_inline_flags_anywhere() -> None:
    """The conformance cases that Python's re refused now select the right series."""
    store = SampleStore()
    for group in ("production", "canary", "PROD-eu"):
        store.append(LabelSet({"__name__": "x", "group": group}), 0.0, 1.0)
    result = evaluate(Query.parse('x{group=~"((?i)PRO).*"}'), store, 1.0)
    assert isinstance(result, list)
    assert sorted(s.labels["group"] for s in result) == ["PROD-eu", "production"]


def test_promql_refuses_what_go_refuses() -> None:
    """A matcher with a Go-refused construct fails at parse time naming it and the selector."""
    with pytest.raises(PromQLError, match=r"\(\?<name>\.\.\.\).*in x\{"):
        Query.parse('x{a=~"(?<n>a)"}')


@pytest.mark.parametrize(
    ("pattern", "text", "template", "expected"),
    [
        ("a*", "baaac", "X", "XbXcX"),  # Go: no empty match right after a match
        ("", "abc", "-", "-a-b-c-"),
        ("(?P<k>\\w+)=(\\d+)", "a=1 b=2", "${2}:$k", "1:a 2:b"),
        ("é", "aéb", "[$0]", "a[é]b"),
        ("x", "aaa", "$1", "aaa"),
        ("(a)", "a", "$10$1", "a"),  # $10 does not exist: empty
    ],
)
def test_replace_all_like_go(pattern: str, text: str, template: str, expected: str) -> None:
    """reReplaceAll follows Go's ReplaceAllString, including empty matches and $ references."""
    assert re_replace_all(pattern, template, text) == expected


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    """``match "^(a|a)+$"`` (issue 11: 11.6 s on 27 characters with re) answers at once.

    A backtracking engine would need about 2**100 steps here; the check runs in a thread so a
    regression fails the test instead of hanging it.
    """
    answer: list[bool] = []
    worker = threading.Thread(
        target=lambda: answer.append(match("^(a|a)+$", "a" * 100 + "b")), daemon=True
    )
    worker.start()
    worker.join(timeout=60)
    assert answer == [False]


def test_case_insensitive_search_for_config_patterns() -> None:
    """Config patterns compiled with ignore_case search unanchored, case-insensitively."""
    deny = compile_regex("xmrig|minerd", ignore_case=True)
    assert deny.matches("/opt/XMRig --donate-level 1")
    assert not deny.matches("sshd")


def test_groups_and_finditer() -> None:
    """Groups come back by number and name; finditer yields successive matches."""
    regex = compile_regex('"(LINE [^"]+)"')
    found = [m.group(1) for m in regex.finditer('x "LINE 1" y "LINE 2"')]
    assert found == ["LINE 1", "LINE 2"]
    named = compile_regex("(?P<host>[^:]+):(\\d+)", anchored=True).search("db:5432")
    assert named is not None
    assert (named.group("host"), named.group(2), named.group(3)) == ("db", "5432", None)
