"""The JSONPath subset used by the generic HTTP backends (log canary search, reconcile count)."""

from __future__ import annotations

import pytest

from watchdog.probes.jsonpath import JsonPathError, compile_path, select, texts_at

DOC = {"data": {"hits": [{"message": "a", "n": 1}, {"message": "b"}, {"other": 3}]}}


def test_wildcard_and_members():
    """$.data.hits[*].message reaches every message, skipping hits without one."""
    assert select(DOC, "$.data.hits[*].message") == ["a", "b"]


def test_index_and_bare_path():
    """[N] picks one element; the leading $ is optional."""
    assert select(DOC, "data.hits[1].message") == ["b"]
    assert select(DOC, "$.data.hits[9].message") == []


def test_non_strings_become_json():
    """Non-string values are returned as JSON text."""
    assert texts_at(DOC, "$.data.hits[0]") == ['{"message": "a", "n": 1}']


@pytest.mark.parametrize("path", ["$..message", "$.data[?(@.n)]", "$.a b"])
def test_unsupported_syntax_is_refused(path):
    """Anything outside the subset is a JsonPathError naming the position."""
    with pytest.raises(JsonPathError, match="cannot read json_path"):
        compile_path(path)
