"""Which configured targets a rule can see: the lint's answer to "does anything watch this?".

A selector sees a target when its metric could come from that target (a generic series such
as ``up``, a name the target's kind declares, any name for an open-ended kind like ``scrape``)
and its matchers do not contradict the target's labels (``kind`` too, on
``watchdog_target_info``). Binary operations narrow what they combine as PromQL matches
series: ``probe_success == 0 and on(job, instance) watchdog_target_info{kind="dns"}`` sees
only the DNS targets. A recorded metric sees what its recording rule sees. Where matching
does not go by ``job``/``instance`` the answer errs towards "sees it": the lint must not claim
a watched target is unwatched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from watchdog.config.targets import TargetSpec
from watchdog.probes import PROBES
from watchdog.probes.base import GENERIC_SERIES, TARGET_INFO
from watchdog.promql.nodes import (
    AggregateNode,
    BinaryNode,
    CallNode,
    MatrixSelectorNode,
    NegationNode,
    Node,
    Selector,
    SubqueryNode,
    VectorMatching,
    VectorSelectorNode,
)
from watchdog.rules.alerting import ALERTS, ALERTS_FOR_STATE
from watchdog.rules.model import AlertingRule, RecordingRule, RuleGroup

__all__ = ["watched_targets"]

Seen = frozenset[str]
"""Keys (``job/instance``) of the targets an expression can see."""

_IDENTITY = ("job", "instance")


def watched_targets(groups: Sequence[RuleGroup], targets: Sequence[TargetSpec]) -> Seen:
    """Keys of the targets that some alerting rule of ``groups`` can see."""
    recorded = _recorded_sights(groups, targets)
    seen: set[str] = set()
    for group in groups:
        for rule in group.rules:
            if isinstance(rule, AlertingRule):
                seen |= _sees(rule.query.root, targets, recorded)
    return frozenset(seen)


def _recorded_sights(groups: Sequence[RuleGroup], targets: Sequence[TargetSpec]) -> dict[str, Seen]:
    """What each recorded metric name sees, through chains of recording rules."""
    rules = [r for g in groups for r in g.rules if isinstance(r, RecordingRule)]
    sights: dict[str, Seen] = {rule.name: frozenset() for rule in rules}
    for _ in range(len(rules) + 1):  # a chain is at most as long as the rules are many
        changed = False
        for rule in rules:
            grown = sights[rule.name] | _sees(rule.query.root, targets, sights)
            if grown != sights[rule.name]:
                sights[rule.name], changed = grown, True
        if not changed:
            break
    return sights


def _sees(node: Node, targets: Sequence[TargetSpec], recorded: Mapping[str, Seen]) -> Seen:
    if isinstance(node, VectorSelectorNode | MatrixSelectorNode):
        return _selector_sees(node.selector, targets, recorded)
    if isinstance(node, SubqueryNode | NegationNode):
        return _sees(node.expr, targets, recorded)
    if isinstance(node, AggregateNode):
        return _sees(node.expr, targets, recorded)
    if isinstance(node, CallNode):
        return _union(_sees(arg, targets, recorded) for arg in node.args)
    if isinstance(node, BinaryNode):
        return _binary_sees(node, targets, recorded)
    return frozenset()  # number and string literals


def _binary_sees(
    node: BinaryNode, targets: Sequence[TargetSpec], recorded: Mapping[str, Seen]
) -> Seen:
    lhs, rhs = _sees(node.lhs, targets, recorded), _sees(node.rhs, targets, recorded)
    if node.lhs.type == "scalar" or node.rhs.type == "scalar" or node.matching is None:
        return lhs | rhs
    if node.op == "or":
        return lhs | rhs
    if node.op == "unless":
        return lhs
    identity = _matched_identity(node.matching)
    if not identity:
        if node.matching.cardinality == "many-to-one":
            return lhs
        if node.matching.cardinality == "one-to-many":
            return rhs
        return lhs | rhs
    by_key = {spec.key: spec for spec in targets}

    def ids(keys: Seen) -> set[tuple[str, ...]]:
        return {_identity_of(by_key[k], identity) for k in keys}

    left_ids, right_ids = ids(lhs), ids(rhs)
    kept_left = {k for k in lhs if _identity_of(by_key[k], identity) in right_ids}
    kept_right = {k for k in rhs if _identity_of(by_key[k], identity) in left_ids}
    if node.op == "and":
        return frozenset(kept_left)
    return frozenset(kept_left | kept_right)


def _matched_identity(matching: VectorMatching) -> tuple[str, ...]:
    """Which of job/instance two vectors are matched on."""
    if matching.on:
        return tuple(label for label in _IDENTITY if label in matching.labels)
    return tuple(label for label in _IDENTITY if label not in matching.labels)


def _identity_of(spec: TargetSpec, labels: tuple[str, ...]) -> tuple[str, ...]:
    values = spec.target_labels()
    return tuple(values[label] for label in labels)


def _selector_sees(
    selector: Selector, targets: Sequence[TargetSpec], recorded: Mapping[str, Seen]
) -> Seen:
    name = selector.name
    if name is not None and name in recorded:
        return recorded[name]
    if name in (ALERTS, ALERTS_FOR_STATE):
        return frozenset()  # the daemon's own alerts, not a target's series
    out = set()
    for spec in targets:
        labels = spec.target_labels()
        if name == TARGET_INFO:
            labels["kind"] = spec.kind
        if not all(m.matches(labels[m.label]) for m in selector.matchers if m.label in labels):
            continue
        if name is None or _may_expose(spec, name):
            out.add(spec.key)
    return frozenset(out)


def _may_expose(spec: TargetSpec, name: str) -> bool:
    if name in GENERIC_SERIES:
        return True
    kind = PROBES.get(spec.kind)
    if kind is None or not kind.produces:
        return True  # an open-ended kind (scrape) may expose any name
    return name in kind.produces or name in spec.config.extra_series()


def _union(parts: Iterable[Seen]) -> Seen:
    out: set[str] = set()
    for part in parts:
        out |= part
    return frozenset(out)
