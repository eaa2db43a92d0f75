"""Binary operators: values, name dropping, vector matching and its errors."""

from __future__ import annotations

import math

import pytest

from tests.promql.conftest import StoreFactory, run, vector
from watchdog.promql import PromQLError, Scalar
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

A1 = LabelSet.of("a", job="x", instance="1")
A2 = LabelSet.of("a", job="x", instance="2")
B1 = LabelSet.of("b", job="x", instance="1")
INFO = LabelSet.of("info", job="x", version="v1")


@pytest.fixture
def store(make_store: StoreFactory) -> SampleStore:
    """Two series of a, one of b, one info series."""
    return make_store({A1: [(0, 10.0)], A2: [(0, 20.0)], B1: [(0, 4.0)], INFO: [(0, 1.0)]})


def test_arithmetic_drops_name(store: SampleStore) -> None:
    """Arithmetic with a scalar keeps labels but drops __name__."""
    assert vector("a * 2", store, 0) == {A1.without("__name__"): 20.0, A2.without("__name__"): 40.0}


def test_filter_comparison_keeps_name_and_value(store: SampleStore) -> None:
    """A comparison without bool filters and keeps the vector's own value and name."""
    assert vector("a > 15", store, 0) == {A2: 20.0}
    assert vector("15 < a", store, 0) == {A2: 20.0}


def test_bool_comparison_drops_name(store: SampleStore) -> None:
    """With bool every element stays, valued 0 or 1, without __name__."""
    assert vector("a > bool 15", store, 0) == {
        A1.without("__name__"): 0.0,
        A2.without("__name__"): 1.0,
    }


def test_scalar_operations() -> None:
    """Scalar arithmetic follows Go: division by zero is Inf; ^ is right-associative."""
    empty = SampleStore()
    assert run("1 / 0", empty, 0) == Scalar(math.inf)
    assert run("2 ^ 3 ^ 2", empty, 0) == Scalar(512.0)
    assert run("3 > bool 2", empty, 0) == Scalar(1.0)


def test_one_to_one_on_keeps_only_on_labels(store: SampleStore) -> None:
    """One-to-one matching with on() keeps just the on() labels."""
    assert vector("a - on(instance) b", store, 0) == {LabelSet.of(None, instance="1"): 6.0}


def test_one_to_one_ignoring_drops_ignored(store: SampleStore) -> None:
    """One-to-one ignoring() removes the ignored labels; many-to-one keeps them."""
    assert vector('b - ignoring(instance) a{instance="2"}', store, 0) == {
        LabelSet.of(None, job="x"): -16.0
    }
    assert vector("a / ignoring(instance, version) group_left info", store, 0) == {
        LabelSet.of(None, job="x", instance="1"): 10.0,
        LabelSet.of(None, job="x", instance="2"): 20.0,
    }


def test_group_left_copies_extra_labels(store: SampleStore) -> None:
    """group_left(label) copies the label from the one side."""
    result = vector("a * on(job) group_left(version) info", store, 0)
    assert result == {
        LabelSet.of(None, job="x", instance="1", version="v1"): 10.0,
        LabelSet.of(None, job="x", instance="2", version="v1"): 20.0,
    }


def test_group_right_swaps_sides(store: SampleStore) -> None:
    """group_right makes the left side the one side; values keep operand order."""
    result = vector("info - on(job) group_right a", store, 0)
    assert result == {
        LabelSet.of(None, job="x", instance="1"): -9.0,
        LabelSet.of(None, job="x", instance="2"): -19.0,
    }


def test_many_to_many_is_refused(store: SampleStore) -> None:
    """Duplicate match groups on the one side are an error naming the group."""
    with pytest.raises(PromQLError, match=r'match group \{job="x"\} on the right hand-side'):
        vector("b + on(job) a", store, 0)


def test_implicit_many_to_one_is_refused(store: SampleStore) -> None:
    """Two left series matching one right series need group_left."""
    with pytest.raises(PromQLError, match="many-to-one matching must be explicit"):
        vector("a + on(job) info", store, 0)


def test_grouping_must_keep_results_unique(store: SampleStore) -> None:
    """group_left results that collide are an error."""
    with pytest.raises(PromQLError, match="grouping labels must ensure unique matches"):
        vector("a * on(job) group_left(instance) info", store, 0)


def test_set_operators(store: SampleStore) -> None:
    """and/or/unless match on all labels but the name unless told otherwise."""
    assert vector("a and on(instance) b", store, 0) == {A1: 10.0}
    assert vector("a unless on(instance) b", store, 0) == {A2: 20.0}
    assert vector("b or on(instance) a", store, 0) == {B1: 4.0, A2: 20.0}


def test_duplicate_labels_after_name_drop(make_store: StoreFactory) -> None:
    """Dropping the name may not merge two series: that is an error, as in Prometheus."""
    store = make_store({LabelSet.of("m1", x="1"): [(0, 1.0)], LabelSet.of("m2", x="1"): [(0, 2.0)]})
    with pytest.raises(PromQLError, match="same labelset"):
        vector('{__name__=~"m."} * 1', store, 0)
    assert len(vector('{__name__=~"m."} > 0', store, 0)) == 2
