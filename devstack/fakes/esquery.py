"""The Query DSL subset the fake Elasticsearch evaluates, with text analysis approximated.

Text fields are analysed like the ``standard`` analyzer for the ASCII the tests use: lowercased,
split on anything that is not a letter, digit or underscore (so ``1700-abc`` is the tokens
``1700`` and ``abc``). Dynamic mapping gives every string field a ``<field>.keyword`` sub-field
holding the exact value. Hence, as in Elasticsearch: ``match`` ORs the query's tokens unless
``operator: and``; ``match_phrase`` needs the tokens adjacent and in order; ``term`` on a text
field compares one token, on ``.keyword`` the whole value. Supported: ``match_all``, ``match``,
``match_phrase``, ``term``, ``terms``, ``range`` (``gte/gt/lte/lt``, ``format: epoch_millis``
or ISO dates) and ``bool`` (``must``, ``filter``, ``should`` with ``minimum_should_match``,
``must_not``). Anything else raises QueryError, answered as a 400 ``parsing_exception``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

__all__ = ["QueryError", "matches", "validate"]

_TOKEN = re.compile(r"[a-z0-9_]+")


class QueryError(ValueError):
    """A query the fake (and often Elasticsearch) cannot parse."""


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _values(source: dict[str, Any], field: str) -> tuple[list[str], bool]:
    """Values of ``field`` in ``source`` and whether the field is a ``.keyword`` one."""
    keyword = field.endswith(".keyword")
    value: Any = source
    for part in field.removesuffix(".keyword").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None], keyword


def _single(clause: Any, name: str) -> tuple[str, Any]:
    if not isinstance(clause, dict) or len(clause) != 1:
        raise QueryError(f"[{name}] query malformed, expected one field")
    return next(iter(clause.items()))


def _match(source: dict[str, Any], clause: Any, phrase: bool) -> bool:
    field, spec = _single(clause, "match_phrase" if phrase else "match")
    query = spec.get("query") if isinstance(spec, dict) else spec
    operator = spec.get("operator", "or") if isinstance(spec, dict) else "or"
    wanted = _tokens(str(query))
    values, _ = _values(source, field)
    for value in values:
        have = _tokens(value)
        if phrase:
            n = len(wanted)
            if n and any(have[i : i + n] == wanted for i in range(len(have) - n + 1)):
                return True
        elif operator.lower() == "and":
            if wanted and all(t in have for t in wanted):
                return True
        elif any(t in have for t in wanted):
            return True
    return False


def _term(source: dict[str, Any], field: str, wanted: Any) -> bool:
    values, keyword = _values(source, field)
    if keyword:
        return str(wanted) in values
    return any(str(wanted) in _tokens(value) for value in values)


def _millis(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    if text.isdigit():
        return float(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


def _range(source: dict[str, Any], clause: Any) -> bool:
    field, spec = _single(clause, "range")
    values, _ = _values(source, field)
    if not values or not isinstance(spec, dict):
        return False
    actual = _millis(values[0])
    checks = {"gte": actual.__ge__, "gt": actual.__gt__, "lte": actual.__le__, "lt": actual.__lt__}
    return all(check(_millis(spec[op])) for op, check in checks.items() if op in spec)


def _bool(source: dict[str, Any], spec: Any) -> bool:
    def listed(key: str) -> list[Any]:
        value = spec.get(key, [])
        return value if isinstance(value, list) else [value]

    if not all(matches(source, q) for q in listed("must") + listed("filter")):
        return False
    if any(matches(source, q) for q in listed("must_not")):
        return False
    should = listed("should")
    if should:
        default = 0 if spec.get("must") or spec.get("filter") else 1
        needed = int(spec.get("minimum_should_match", default))
        return sum(1 for q in should if matches(source, q)) >= needed
    return True


_KINDS = frozenset({"match_all", "match", "match_phrase", "term", "terms", "range", "bool"})


def validate(query: Any) -> None:
    """Parse the whole query before any document is looked at, as Elasticsearch does."""
    kind, spec = _single(query, "query")
    if kind not in _KINDS:
        raise QueryError(f"unknown query [{kind}]")
    if kind == "bool":
        if not isinstance(spec, dict):
            raise QueryError("[bool] query malformed")
        for key in ("must", "filter", "should", "must_not"):
            clauses = spec.get(key, [])
            for clause in clauses if isinstance(clauses, list) else [clauses]:
                validate(clause)


def matches(source: dict[str, Any], query: Any) -> bool:
    """True when the document ``source`` matches ``query``."""
    kind, spec = _single(query, "query")
    if kind == "match_all":
        return True
    if kind in ("match", "match_phrase"):
        return _match(source, spec, phrase=kind == "match_phrase")
    if kind == "term":
        field, value = _single(spec, "term")
        return _term(source, field, value.get("value") if isinstance(value, dict) else value)
    if kind == "terms":
        field, values = _single(spec, "terms")
        return any(_term(source, field, v) for v in values)
    if kind == "range":
        return _range(source, spec)
    if kind == "bool":
        return _bool(source, spec)
    raise QueryError(f"unknown query [{kind}]")
