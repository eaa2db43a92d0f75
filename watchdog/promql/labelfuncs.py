"""``label_replace`` and ``label_join``, with Go's regexp template expansion.

Their string arguments are literals, so they are checked when the query is parsed (Prometheus
checks them on every evaluation and fails the same way).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from watchdog.promql.errors import PromQLError
from watchdog.promql.nodes import Node, StringNode
from watchdog.promql.regex import check_re2
from watchdog.promql.values import Vector, VectorSample
from watchdog.samples import LabelSet

__all__ = ["LABEL_NAME", "check_label_function", "expand_template", "label_join", "label_replace"]

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_TEMPLATE_NAME = re.compile(r"\w+")  # Go: Unicode letters, digits and "_"


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(f"^(?:{pattern})\\Z", re.ASCII)
    except re.error:
        raise PromQLError(f"invalid regular expression in label_replace(): {pattern}") from None


def check_label_function(name: str, args: Sequence[Node]) -> None:
    """Validate the literal arguments of ``label_replace``/``label_join``."""
    strings = [arg.value if isinstance(arg, StringNode) else "" for arg in args[1:]]
    if name == "label_replace":
        check_re2(strings[3], "label_replace()")
        _compile(strings[3])
        if not LABEL_NAME.fullmatch(strings[0]):
            raise PromQLError(f"invalid destination label name in label_replace(): {strings[0]}")
    elif name == "label_join":
        for source in strings[2:]:
            if not LABEL_NAME.fullmatch(source):
                raise PromQLError(f"invalid source label name in label_join(): {source}")
        if not LABEL_NAME.fullmatch(strings[0]):
            raise PromQLError(f"invalid destination label name in label_join(): {strings[0]}")


def expand_template(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.ExpandString``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out: list[str] = []
    i = 0
    while i < len(template):
        dollar = template.find("$", i)
        if dollar < 0:
            out.append(template[i:])
            break
        out.append(template[i:dollar])
        rest = template[dollar + 1 :]
        if rest.startswith("$"):
            out.append("$")
            i = dollar + 2
            continue
        if rest.startswith("{"):
            close = rest.find("}")
            name = rest[1:close] if close > 0 else ""
            valid = close > 0 and _TEMPLATE_NAME.fullmatch(name) is not None
            consumed = close + 1
        else:
            found = _TEMPLATE_NAME.match(rest)
            name = found.group() if found else ""
            valid = found is not None
            consumed = len(name)
        if not valid:
            out.append("$")  # malformed reference: the dollar is literal text
            i = dollar + 1
            continue
        out.append(_group(match, name))
        i = dollar + 1 + consumed
    return "".join(out)


def _group(match: re.Match[str], name: str) -> str:
    if (
        name.isascii()
        and name.isdigit()
        and not (name.startswith("0") and len(name) > 1)
        and len(name) <= 9
    ):
        index = int(name)
        if index <= (match.re.groups or 0):
            return match.group(index) or ""
        return ""
    if name in match.re.groupindex:
        return match.group(name) or ""
    return ""


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
            match = regex.match(sample.labels.get(source, ""))
            labels = sample.labels
            if match is not None:
                labels = labels.with_labels(**{destination: expand_template(replacement, match)})
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
