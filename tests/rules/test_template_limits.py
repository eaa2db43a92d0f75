# ruff: noqa: E501 - hostile templates and exact messages read best unwrapped
"""Hostile templates are bounded: each limit hit is an error naming the limit, never a hang,
a memory bomb or a crash; real templates stay far below every limit."""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.procs import REPO
from tests.rules.conftest import groups_from
from watchdog.rules.files import load_rule_files
from watchdog.rules.group import EvalContext, GroupState
from watchdog.rules.model import AlertingRule
from watchdog.rules.templates import (
    DEFAULT_LIMITS,
    AlertTemplateData,
    QueryBudget,
    QuerySample,
    Template,
    TemplateLimits,
    TemplateSyntaxError,
)
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

DATA = AlertTemplateData(
    labels={f"l{i}": f"v{i}" for i in range(10)}, external_url="https://wd.example", value=3.0
)
ERROR = "<error expanding template: error executing template __alert_T: template: __alert_T:"


def expand(text: str, **kw: object) -> str:
    """Compile and expand ``text`` as alert ``T`` would."""
    return Template.compile(text, "__alert_T").expand(DATA, **kw)  # type: ignore[arg-type]


def peak_bytes(text: str) -> tuple[str, int]:
    """Expand ``text`` and measure the peak of Python allocations while doing so."""
    template = Template.compile(text, "__alert_T")
    tracemalloc.start()
    try:
        out = template.expand(DATA)
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_printf_width_beyond_the_string_limit_is_refused_before_allocating() -> None:
    """`%10000000d` (valid for Go, 10 MB of spaces) is refused naming the width limit."""
    out, peak = peak_bytes('{{ printf "%10000000d" 1 }}')
    assert out.startswith(ERROR)
    assert (
        "error calling printf: printf width 10000000 exceeds the template string limit of 65536 characters"
        in out
    )
    assert peak < 1_000_000


def test_printf_precision_beyond_the_string_limit_is_refused_before_allocating() -> None:
    """`%.10000000f` is refused naming the precision limit."""
    out, peak = peak_bytes('{{ printf "%.10000000f" 1.0 }}')
    assert "printf precision 10000000 exceeds the template string limit of 65536 characters" in out
    assert peak < 1_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{ printf "%1000000000d" 1 }}', "%!(NOVERB)%!(EXTRA int=1)"),
        ('{{ printf "%.1000000000f" 1.0 }}', "%!(NOVERB)%!(EXTRA float64=1)"),
    ],
)
def test_printf_numbers_go_finds_too_large_print_noverb_like_go(text: str, expected: str) -> None:
    """Widths Go's fmt gives up on print `%!(NOVERB)` (as promtool does), costing nothing."""
    out, peak = peak_bytes(text)
    assert out == expected
    assert peak < 1_000_000


def test_a_string_doubled_thirty_times_stops_at_the_string_limit() -> None:
    """Doubling a string 30 times (8 GiB) stops at 64 KiB with an error naming the limit."""
    text = '{{ $s := "ab" }}' + "{{ $s = print $s $s }}" * 30 + "{{ len $s }}"
    out, peak = peak_bytes(text)
    assert out.startswith(ERROR)
    assert "error calling print: value exceeds the template string limit of 65536 characters" in out
    assert peak < 4_000_000


def test_printf_doubling_stops_at_the_string_limit() -> None:
    """The same growth through printf stops at the same limit."""
    text = '{{ $s := "ab" }}' + '{{ $s = printf "%s%s" $s $s }}' * 30
    out, peak = peak_bytes(text)
    assert (
        "error calling printf: value exceeds the template string limit of 65536 characters" in out
    )
    assert peak < 4_000_000


def test_replacement_growth_is_counted_while_it_is_built() -> None:
    """reReplaceAll with an empty pattern cannot multiply a string past the limit."""
    text = (
        '{{ $s := printf "%60000s" "" }}{{ $r := printf "%60000s" "" }}{{ reReplaceAll "" $r $s }}'
    )
    out, peak = peak_bytes(text)
    assert (
        "error calling reReplaceAll: reReplaceAll result exceeds the template string limit of 65536 characters"
        in out
    )
    assert peak < 4_000_000


def test_total_text_produced_by_one_expansion_is_bounded() -> None:
    """Many strings each under the limit still stop at the total-text limit."""
    loops = "{{ range $labels }}" * 3 + '{{ $x := printf "%60000s" "" }}' + "{{ end }}" * 3
    out = expand(loops)
    assert "template produced more than its limit of 4194304 characters" in out


def test_nested_ranges_stop_at_the_step_limit() -> None:
    """A million iterations of nested ranges stop at 100,000 steps."""
    text = "{{ range $labels }}" * 6 + "{{ end }}" * 6
    out = expand(text)
    assert out.startswith(ERROR)
    assert "template exceeds its limit of 100000 execution steps" in out


def test_output_is_capped() -> None:
    """An annotation cannot expand past 64 KiB."""
    text = "{{ range $labels }}" * 3 + "x" * 100 + "{{ end }}" * 3
    out = expand(text)
    assert "template output exceeds its limit of 65536 characters" in out


class StepClock:
    """A fake monotonic clock that advances by ``step`` seconds at every reading."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_an_expansion_stops_at_its_time_limit() -> None:
    """Time is checked at every step: a slow expansion ends with an error naming the limit."""
    limits = TemplateLimits(clock=StepClock(0.01))
    out = expand("{{ range $labels }}" * 3 + "x" + "{{ end }}" * 3, limits=limits)
    assert (
        "template exceeds its time limit (0.5s per expansion, 2s for all expansions of one rule evaluation)"
        in out
    )


def test_the_rule_evaluation_deadline_bounds_each_expansion() -> None:
    """An expansion started after the rule's shared deadline stops at once."""
    clock = StepClock(0.001)
    limits = TemplateLimits(clock=clock)
    out = expand("{{ $labels.l1 }}", limits=limits, deadline=0.0)
    assert "template exceeds its time limit" in out


def test_query_receives_the_remaining_budget() -> None:
    """`query` gets the samples limit and the seconds left; past the deadline it is not run."""
    seen: list[QueryBudget] = []

    def run(expr: str, budget: QueryBudget) -> list[QuerySample]:
        seen.append(budget)
        return [QuerySample({"instance": "a"}, 1.0)]

    limits = TemplateLimits(clock=StepClock(0.01))
    out = expand('{{ with query "up" }}{{ . | first | value }}{{ end }}', query=run, limits=limits)
    assert out == "1"
    assert seen[0].max_samples == DEFAULT_LIMITS.max_query_samples
    assert 0 < seen[0].seconds < limits.max_seconds
    late = expand('{{ query "up" }}', query=run, limits=limits, deadline=0.0)
    assert "template exceeds its time limit" in late
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", 1),
        ("{{ if true }}\n" * 3000 + "x" + "{{ end }}" * 3000, 101),
        ("{{ if false }}{{ else if false }}" * 200 + "{{ end }}", 1),
        ("{{ range $labels }}" * 150 + "{{ end }}" * 150, 1),
    ],
)
def test_deep_nesting_is_refused_at_compile_time_with_the_line(text: str, line: int) -> None:
    """5,000 parentheses or 3,000 nested ifs are a syntax error naming the limit, not a crash."""
    with pytest.raises(TemplateSyntaxError) as caught:
        Template.compile(text, "__alert_T")
    assert str(caught.value) == (
        f"error parsing template __alert_T: template: __alert_T:{line}: nesting exceeds the "
        "template limit of 100 levels (if/with/range blocks, else-if chains and parentheses)"
    )


def test_nesting_within_the_limit_works() -> None:
    """Fifty levels of parentheses and of ifs still expand."""
    parens = "{{ " + "(" * 50 + "print 1" + ")" * 50 + " }}"
    ifs = "{{ if true }}" * 50 + "deep" + "{{ end }}" * 50
    assert expand(parens) == "1"
    assert expand(ifs) == "deep"


# Typical template idioms of public rule collections (kube-prometheus mixins,
# awesome-prometheus-alerts, Prometheus' own docs), written for these tests.
REAL_WORLD = [
    "{{ $value | humanizePercentage }} of {{ $labels.l1 }} requests fail.",
    '{{ printf "%.2f" $value }}% of disk used on {{ $labels.l2 }}',
    "{{ $value | humanize1024 }}B free, {{ humanizeDuration $value }} left",
    '{{ $labels.l3 | reReplaceAll "(.*)3" "$1-three" }}',
    '{{ with query "node_uname_info" }}{{ . | first | label "nodename" }}{{ end }}',
    '{{ range query "up == 0" }}{{ .Labels.instance }}={{ .Value }} {{ end }}',
    "{{ with printf \"node_memory_MemTotal_bytes{instance='%s'}\" $labels.l1 | query }}{{ . | first | value | humanize1024 }}B{{ end }}",
    '{{ range $i, $s := sortByLabel "instance" (query "up") }}{{ if $i }}, {{ end }}{{ $s.Labels.instance }}{{ end }}',
    "{{ if gt $value 80.0 }}critical{{ else if gt $value 50.0 }}warning{{ else }}info{{ end }}",
    '{{ $labels.l1 }}: {{ printf "%.0f" $value }} restarts in {{ "15m" | parseDuration | humanizeDuration }}',
]


def thousand_samples(_expr: str, _budget: QueryBudget) -> list[QuerySample]:
    """A query answering 1,000 series (a large real answer)."""
    return [
        QuerySample({"instance": f"host-{i:04d}", "nodename": f"n{i}"}, float(i))
        for i in range(1000)
    ]


@pytest.mark.parametrize("text", REAL_WORLD)
def test_real_world_templates_stay_within_the_limits(text: str) -> None:
    """Common idioms, even over a 1,000-series query result, expand without error."""
    out = expand(text, query=thousand_samples)
    assert "<error expanding template" not in out
    assert out


def shipped_templates() -> Iterator[tuple[str, Template]]:
    """Every label and annotation template of the shipped rule files, seed included."""
    files = [
        *sorted((REPO / "config" / "rules").glob("*.yaml")),
        REPO / "config" / "rules" / "seed" / "prometheus-self-monitoring.yaml",
    ]
    for group in load_rule_files(files):
        for rule in group.rules:
            if isinstance(rule, AlertingRule):
                for key, template in itertools.chain(rule.labels.items(), rule.annotations.items()):
                    yield f"{rule.name}.{key}", template


def test_every_shipped_template_expands_within_the_limits() -> None:
    """The seed rules and config/rules expand without error under the default limits."""
    templates = list(shipped_templates())
    assert len(templates) > 50
    labels = dict.fromkeys(("instance", "job", "name", "path", "backend", "subject_cn"), "x")
    data = AlertTemplateData(labels=labels, value=42.0)
    failures = [
        name for name, t in templates if "<error expanding" in t.expand(data, thousand_samples)
    ]
    assert failures == []


def test_limits_are_documented() -> None:
    """docs/rules.md states every default limit value."""
    doc = (Path(REPO) / "docs" / "rules.md").read_text(encoding="utf-8")
    for figure in ("100 levels", "100,000", "65,536", "4,194,304", "0.5 s", "2 s", "1,000,000"):
        assert figure in doc, figure


def test_one_rule_evaluation_shares_one_template_deadline() -> None:
    """With many alerts and slow templates, later expansions stop at the rule's deadline,
    every alert still gets its (error) annotation and the rule stays healthy."""
    (group,) = groups_from(
        "groups:\n  - name: g\n    rules:\n      - alert: Many\n        expr: m > 0\n"
        "        annotations: {s: '{{ range $labels }}{{ . }}{{ end }}'}\n"
    )
    store = SampleStore()
    store.ingest("t", 0.0, {LabelSet({"__name__": "m", "i": str(i)}): 1.0 for i in range(300)})
    limits = TemplateLimits(clock=StepClock(0.01))
    state = GroupState(group.with_interval(10.0))
    state.evaluate(0.0, EvalContext(store, templates=limits))
    status = state.rules[0]
    assert status.health == "ok"
    assert status.alerts is not None
    notes = [a.annotations["s"] for a in status.alerts.alerts()]
    assert len(notes) == 300
    late = [n for n in notes if "template exceeds its time limit" in n]
    assert 0 < len(late) < 300
    assert status.template_failures == len(late)
