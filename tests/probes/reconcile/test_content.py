"""The content check: the ids of a window's records, compared between the primary and a backend."""

from __future__ import annotations

import pytest

from tests.probes.reconcile.conftest import Pipeline
from tests.support.probe_harness import error_text, value_of
from watchdog.probes.kinds.reconcile.content import IdList, compare_ids

CONTENT = {"id_field": "request.id", "show": 3}


def _es(outcome, metric):
    return value_of(outcome, f"watchdog_reconcile_{metric}", backend="es", stream="audit")


def _with_content(pipeline: Pipeline, **content: object) -> None:
    stream = pipeline.config()["streams"][0]
    pipeline.overrides["streams"] = [{**stream, "content": {**CONTENT, **content}}]


async def test_the_missing_ids_are_listed(pipeline: Pipeline):
    """ES loses every tenth record: the facts name the ids it lacks, oldest window first."""
    _with_content(pipeline)
    pipeline.to_es.drop_share = 0.1
    await pipeline.traffic(7)
    outcome = await pipeline.run()  # 22:21: windows 22:14 and 22:15 hold records 1-20
    assert outcome.facts["missing ids es/audit"] == "2023-11-14T22:14:00Z: req-00010"
    assert _es(outcome, "content_match") == 0.0
    assert _es(outcome, "incomplete_windows") == 2.0


async def test_equal_counts_with_different_records_are_incomplete(pipeline: Pipeline):
    """ES stores one record under another id: the counts agree, the ids do not."""
    _with_content(pipeline)
    pipeline.to_es.mangle = lambda line: line.replace("req-00003", "req-99999")
    await pipeline.traffic(7)
    outcome = await pipeline.run()
    assert _es(outcome, "records") == 10.0
    assert _es(outcome, "missing_ratio") == 0.0
    assert _es(outcome, "content_match") == 1.0  # the newest window, 22:15, is intact
    assert _es(outcome, "incomplete_windows") == 1.0
    assert outcome.facts["missing ids es/audit"] == "2023-11-14T22:14:00Z: req-00003"
    assert "es/audit: 1 windows incomplete, first 2023-11-14T22:14:00Z (10 of 10, 1 ids" in (
        error_text(outcome)
    )


async def test_matching_ids_reconcile(pipeline: Pipeline):
    """Nothing lost: the digests match and the window is reconciled."""
    _with_content(pipeline)
    await pipeline.traffic(7)
    outcome = await pipeline.run()
    assert outcome.success, outcome.error
    assert _es(outcome, "content_match") == 1.0
    assert len(pipeline.es.requests_to("/audit-*/_search")) >= 1


async def test_windows_over_max_records_are_compared_by_count(pipeline: Pipeline):
    """max_records 5 with 10 records a window: no id is fetched, the count decides."""
    _with_content(pipeline, max_records=5)
    await pipeline.traffic(7)
    outcome = await pipeline.run()
    assert outcome.success, outcome.error
    assert _es(outcome, "content_match") is None
    assert pipeline.es.requests_to("/audit-*/_search") == []


async def test_logfmt_lines_are_read_for_the_id(pipeline: Pipeline):
    """A logfmt audit line: the id is the value of its id_field key, quoted values allowed."""
    stream = pipeline.config()["streams"][0]
    content = {"id_field": "id", "line_format": "logfmt"}
    pipeline.overrides["streams"] = [{**stream, "content": content}]
    pipeline.to_es.parse_json = False
    pipeline.to_es.parse_logfmt = True
    pipeline.to_es.drop_share = 0.5
    with pipeline.log_file.open("a") as handle:
        for n in range(4):
            handle.write(f'level=info msg="secret read" id=evt-{n}\n')
    await pipeline.traffic(6, per_minute=0)
    outcome = await pipeline.run()
    assert outcome.facts["missing ids es/audit"] == "2023-11-14T22:14:00Z: evt-1, evt-3"


@pytest.mark.parametrize(
    ("primary", "other", "missing", "extra"),
    [
        (["a", "b", "c"], ["a", "b", "c"], [], []),
        (["a", "b", "c"], ["c", "a"], ["b"], []),
        (["a", "b"], ["a", "a", "b"], [], ["a"]),
        (["a", "a"], ["a", "x"], ["a"], ["x"]),
    ],
)
def test_compare_ids_counts_duplicates(primary, other, missing, extra):
    """A duplicate is one extra record, a record stored once instead of twice is one missing."""
    assert compare_ids(IdList(primary), IdList(other)) == (missing, extra)
    same = sorted(primary) == sorted(other)
    assert (IdList(primary).digest() == IdList(other).digest()) is same
