"""label_replace / label_join and Go's template expansion."""

from __future__ import annotations

import pytest

from watchdog.promql import VectorSample
from watchdog.promql.labelfuncs import label_join, label_replace
from watchdog.samples import LabelSet
from watchdog.userregex import compile_regex

SAMPLE = VectorSample(LabelSet.of("m", instance="host-7:9100", job="node"), 1.0)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$1", "host"),
        ("${1}x", "hostx"),
        ("$1x", ""),  # the name is "1x", which does not exist
        ("$port-$$", "9100-$"),
        ("${port", "${port"),  # malformed: literal
        ("$ $9", "$ "),  # lone dollar is literal; group 9 does not exist
    ],
)
def test_expand_template_like_go(template: str, expected: str) -> None:
    """Template references resolve like Go's Regexp.ExpandString."""
    match = compile_regex(r"(\w+)-\d+:(?P<port>\d+)", anchored=True).search("host-7:9100")
    assert match is not None
    assert match.expand(template) == expected


def test_label_replace_sets_and_removes() -> None:
    """A match sets the destination; an empty replacement removes it; no match changes nothing."""
    (out,) = label_replace([SAMPLE], "host", "$1", "instance", "(.*):.*")
    assert out.labels["host"] == "host-7"
    (out,) = label_replace([SAMPLE], "job", "", "job", "node")
    assert "job" not in out.labels
    (out,) = label_replace([SAMPLE], "host", "$1", "instance", "nomatch(.*)")
    assert out.labels == SAMPLE.labels


def test_label_replace_regex_is_anchored() -> None:
    """The regex must match the whole source value."""
    (out,) = label_replace([SAMPLE], "host", "x", "instance", "host")
    assert "host" not in out.labels


def test_label_join() -> None:
    """label_join concatenates source values; an empty result removes the label."""
    (out,) = label_join([SAMPLE], "id", "/", ["job", "missing", "instance"])
    assert out.labels["id"] == "node//host-7:9100"
    (out,) = label_join([SAMPLE], "job", ",", ["missing"])
    assert "job" not in out.labels
