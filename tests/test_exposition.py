"""The strict exposition parser."""

import math

import pytest

from watchdog.exposition import ExpositionError, parse_exposition

GOOD = """\
# HELP fluentbit_input_records_total Number of input records.
# TYPE fluentbit_input_records_total counter
fluentbit_input_records_total{name="tail.0"} 1234 1700000000000
fluentbit_output_proc_records_total{name="loki.0"} 1200
up_like  1
with_escapes{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",} 2.5e3
special{kind="nan"} NaN
special{kind="inf"} +Inf
special{kind="ninf"} -Inf
# EOF
"""


def test_parses_names_labels_values() -> None:
    """Labels with escapes, trailing commas, timestamps and special floats all parse."""
    samples = parse_exposition(GOOD)
    by_key = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in samples}
    assert by_key[("fluentbit_input_records_total", (("name", "tail.0"),))] == 1234
    assert by_key[("up_like", ())] == 1
    escaped = next(s for s in samples if s.name == "with_escapes")
    assert escaped.labels == {"path": "C:\\dir", "quote": 'say "hi"', "nl": "a\nb"}
    assert escaped.value == 2500
    specials = {s.labels["kind"]: s.value for s in samples if s.name == "special"}
    assert math.isnan(specials["nan"])
    assert specials["inf"] == math.inf and specials["ninf"] == -math.inf


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("garbage\n", "line 1: not a valid sample line: 'garbage'"),
        ("ok 1\na 1 2 3\n", "line 2: not a valid sample line: 'a 1 2 3'"),
        ('a{b="c} 1\n', "line 1: label set is not closed"),
        ('a{b="c"}} 1\n', "line 1: not a valid sample line"),
        ("x abc\n", "line 1: value 'abc' is not a number"),
        ('x{a="1",a="2"} 1\n', "line 1: label 'a' appears twice"),
        ('x{a="1" b="2"} 1\n', "line 1: expected ',' between labels"),
        ("# TYPE x wrongtype\n", "line 1: unknown metric type in # TYPE"),
        ("# HELP\n", "line 1: # HELP needs a valid metric name"),
        ("\x00\x01 2\n", "line 1: not a valid sample line"),
    ],
)
def test_malformed_lines_name_the_line(text: str, message: str) -> None:
    """Every malformed input fails with its line number and the reason."""
    with pytest.raises(ExpositionError) as info:
        parse_exposition(text)
    assert str(info.value).startswith(message)


def test_plain_comments_and_blank_lines_are_ignored() -> None:
    """Free-form comments and blank lines carry no samples."""
    assert parse_exposition("# just a comment\n\n\nx 1\n") == parse_exposition("x 1")


def test_hash_inside_a_label_value_is_not_an_exemplar() -> None:
    """``a{x="foo # bar"} 1`` is a sample with that label; a real exemplar after it is ignored."""
    samples = parse_exposition('a{x="foo # bar"} 1\nb{y="}{"} 2 # {trace_id="1"} 3\n')
    assert [(s.name, s.labels, s.value) for s in samples] == [
        ("a", {"x": "foo # bar"}, 1.0),
        ("b", {"y": "}{"}, 2.0),
    ]


def test_unknown_escapes_are_kept_as_written_like_prometheus() -> None:
    """``\\t`` (and any escape other than \\\\, \\" and \\n) stays as written, as in
    Prometheus 2.42's text parser: the value holds a backslash and a t."""
    (sample,) = parse_exposition('a{y="t\\tz",q="a\\qb"} 1\n')
    assert sample.labels == {"y": "t\\tz", "q": "a\\qb"}
