"""``label_replace`` and ``label_join``, with Go's regexp template expansion.

Their string arguments are literals, so they are checked when the query is parsed (Prometheus
checks them on every evaluation and fails the same way). The regex is RE2, anchored like
Prometheus' (:mod:`watchdog.userregex`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from watchdog.promql.errors import PromQLError
from watchdog.promql.nodes import Node, StringNode
from watchdog.promql.values import Vector, VectorSample
from watchdog.samples import LabelSet
from watchdog.userregex import Regex, RegexError, compile_regex

__all__ = ["LABEL_NAME", "check_label_function", "label_join", "label_replace"]

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _compile(pattern: str) -> Regex:
    try:
        return compile_regex(pattern, anchored=True)
    except RegexError as exc:
        raise PromQLError(f"invalid regular expression in label_replace(): {exc}") from None


def check_label_function(name: str, args: Sequence[Node]) -> None:
    """Validate the literal arguments of ``label_replace``/``label_join``."""
    strings = [arg.value if isinstance(arg, StringNode) else "" for arg in args[1:]]
    if name == "label_replace":
        _compile(strings[3])
        if not LABEL_NAME.fullmatch(strings[0]):
            raise PromQLError(f"invalid destination label name in label_replace(): {strings[0]}")
    elif name == "label_join":
        for source in strings[2:]:
            if not LABEL_NAME.fullmatch(source):
                raise PromQLError(f"invalid source label name in label_join(): {source}")
        if not LABEL_NAME.fullmatch(strings[0]):
            raise PromQLError(f"invalid destination label name in label_join(): {strings[0]}")


def label_replace(
    vector: Vector, destination: str, replacement: str, source: str, pattern: str
) -> Vector:
    """Set ``destination`` from ``replacement`` where ``source`` fully matches ``pattern``."""
    regex = _compile(pattern)
    cache: dict[LabelSet, LabelSet] = {}
    out: Vector = []
    for sample in vector:
        labels = cache.get(sample.labels)
        if labels is None:
            match = regex.search(sample.labels.get(source, ""))
            labels = sample.labels
            if match is not None:
                labels = labels.with_labels(**{destination: match.expand(replacement)})
            cache[sample.labels] = labels
        out.append(VectorSample(labels, sample.value))
    return out


def label_join(vector: Vector, destination: str, separator: str, sources: Sequence[str]) -> Vector:
    """Set ``destination`` to the ``sources`` values joined by ``separator``."""
    out: Vector = []
    for sample in vector:
        joined = separator.join(sample.labels.get(name, "") for name in sources)
        labels = sample.labels.with_labels(**{destination: joined})
        out.append(VectorSample(labels, sample.value))
    return out
