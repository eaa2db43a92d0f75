"""A template that fails at run time never suppresses its alert (Prometheus 2.42 behaviour):
the alert fires, the label or annotation carries ``<error expanding template: ...>``, the
failure is counted and logged once."""

from __future__ import annotations

import structlog

from tests.rules.conftest import ManagerFactory, RecordingSink
from watchdog.rules.templates import AlertTemplateData, QueryBudget, QuerySample, Template
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

RULES = """
groups:
  - name: g
    rules:
      - alert: Huge
        expr: huge > 0
        labels:
          when: '{{ $value | humanizeTimestamp }}'
        annotations:
          summary: 'value {{ $value }} at {{ $value | humanizeTimestamp }}'
          rune: '{{ printf "%c" 1114112 }}'
          plain: 'still {{ $labels.job }}'
"""
KEY = "rules.yml;g"
HUGE = LabelSet({"__name__": "huge", "job": "x"})
TS_ERROR = (
    "<error expanding template: error executing template __alert_Huge: template: "
    '__alert_Huge:1:124: executing "__alert_Huge" at <humanizeTimestamp>: error calling '
    "humanizeTimestamp: 1e+300 cannot be represented as a nanoseconds timestamp since it "
    "overflows int64>"
)


async def test_alert_fires_with_the_error_in_label_and_annotation(
    make_manager: ManagerFactory,
) -> None:
    """humanizeTimestamp of 1e300 fails in a label and an annotation; the alert still fires."""
    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(store, sink, RULES)
    await manager.start(schedule=False)
    store.ingest("target", 0.0, {HUGE: 1e300})
    with structlog.testing.capture_logs() as logs:
        await manager.evaluate_group(KEY, 0.0)
        await manager.evaluate_group(KEY, 10.0)
    (note,) = sink.all()
    assert note.status == "firing"
    assert note.labels["when"] == TS_ERROR
    assert note.annotations["summary"] == TS_ERROR.replace(":1:124:", ":1:146:")
    assert note.annotations["rune"] == "\ufffd"  # Go prints U+FFFD for an invalid rune
    assert note.annotations["plain"] == "still x"
    status = manager.states[KEY].rules[0]
    assert status.health == "ok"
    assert sorted(status.template_errors) == ["annotations.summary", "labels.when"]
    failed = [entry for entry in logs if entry["event"].startswith("template expansion failed")]
    assert len(failed) == 2  # once per failing template, not once per evaluation
    counter = manager.metrics.rule_template_failures.labels(KEY)._value.get()
    assert counter == 4  # two failing expansions in each of two evaluations
    await manager.stop()


async def test_recovery_is_logged_once(make_manager: ManagerFactory) -> None:
    """When the value becomes printable again, one line says the template recovered."""
    store, sink = SampleStore(), RecordingSink()
    manager = make_manager(store, sink, RULES)
    await manager.start(schedule=False)
    store.ingest("target", 0.0, {HUGE: 1e300})
    await manager.evaluate_group(KEY, 0.0)
    store.ingest("target", 10.0, {HUGE: 1600000000.0})
    with structlog.testing.capture_logs() as logs:
        await manager.evaluate_group(KEY, 10.0)
    recovered = [e["template"] for e in logs if e["event"] == "template expansion recovered"]
    assert recovered == ["annotations.summary", "labels.when"]
    assert manager.states[KEY].rules[0].template_errors == {}
    await manager.stop()


def test_an_exception_inside_a_function_is_an_expansion_error() -> None:
    """Whatever a function raises (here the query callback) becomes the error text."""

    def broken(_expr: str, _budget: QueryBudget) -> list[QuerySample]:
        raise RuntimeError("storage exploded")

    out = Template.compile('{{ query "up" }}', "__alert_A").expand(
        AlertTemplateData(labels={}), broken
    )
    assert out == (
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: "
        'executing "__alert_A" at <query "up">: error calling query: storage exploded>'
    )


def test_error_text_is_capped_at_the_output_limit() -> None:
    """An error quoting a huge value is shortened to the output limit, never longer."""
    text = '{{ $s := printf "%65500s" "x" }}{{ humanize $s }}'
    out = Template.compile(text, "__alert_A").expand(AlertTemplateData(labels={}))
    assert out.startswith("<error expanding template:")
    assert out.endswith("...>")
    assert len(out) == 65_536
