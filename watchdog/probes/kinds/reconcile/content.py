"""The content check: which records of a window a backend has, by a configured id field.

For windows small enough (``max_records`` in both backends), the ids are fetched — Loki:
``query_range`` over ``[start, end)`` with ``limit = max_records + 1``, ``direction=forward``,
each line read as JSON or logfmt; Elasticsearch: ``_search`` with the window's filter,
``size = max_records + 1`` and ``_source`` limited to the id field — and their digests
(SHA-256 over the sorted ids) compared. When they differ, the ids only the primary has are the
missing records an operator looks for. Records without the id field are counted, not compared.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from watchdog.probes.answers import reason_text
from watchdog.probes.base import ProbeError
from watchdog.probes.elastic import describe_es_error
from watchdog.probes.kinds.reconcile.config import (
    Backend,
    ContentCheck,
    ElasticsearchCount,
    LokiCount,
    StreamConfig,
)
from watchdog.probes.kinds.reconcile.counting import CountError, es_window_query
from watchdog.probes.logbackends import es_incomplete, loki_result, source_values

__all__ = ["IdList", "compare_ids", "fetch_ids"]

_MAX_ID_CHARS = 80


@dataclass(frozen=True)
class IdList:
    """The ids found in one backend's window (and how many records had none)."""

    ids: list[str] = field(default_factory=list)
    without_id: int = 0

    def digest(self) -> str:
        """First 16 hex digits of SHA-256 over the sorted ids, one per line."""
        return hashlib.sha256("\n".join(sorted(self.ids)).encode()).hexdigest()[:16]


def compare_ids(primary: IdList, other: IdList) -> tuple[list[str], list[str]]:
    """(ids the other lacks, ids only the other has), each sorted; duplicates count."""
    mine, theirs = Counter(primary.ids), Counter(other.ids)
    return sorted((mine - theirs).elements()), sorted((theirs - mine).elements())


async def fetch_ids(
    session: aiohttp.ClientSession,
    backend: Backend,
    stream: StreamConfig,
    content: ContentCheck,
    start: int,
    window: int,
    limit: int,
) -> IdList:
    """The ids of the window's records in ``backend``; CountError when they cannot be had."""
    try:
        if isinstance(backend, LokiCount):
            return await _loki_ids(session, backend, stream, content, start, window, limit)
        if isinstance(backend, ElasticsearchCount):
            return await _es_ids(session, backend, stream, content, start, window, limit)
    except ProbeError as exc:
        raise CountError(str(exc)) from None
    raise CountError("http backends are compared by count only")


async def _loki_ids(
    session: aiohttp.ClientSession,
    backend: LokiCount,
    stream: StreamConfig,
    content: ContentCheck,
    start: int,
    window: int,
    limit: int,
) -> IdList:
    assert stream.loki is not None, "validated: every stream has a loki section"
    params = {
        "query": stream.loki.logs(),
        "start": str(start * 10**9),
        "end": str((start + window) * 10**9),
        "limit": str(content.max_records + 1),
        "direction": "forward",
    }
    url = backend.url_for("/loki/api/v1/query_range") + "?" + urlencode(params)
    response = await backend.request(session, url, limit=limit, headers=backend.tenant_headers())
    if response.status != 200:
        raise CountError(
            f"Loki query_range answered HTTP {response.status}: {reason_text(response.body)}"
        )
    lines: list[str] = []
    for entry in loki_result(response.json(), "streams"):
        values = entry.get("values") if isinstance(entry, dict) else None
        if not isinstance(values, list):
            raise CountError("Loki answer has a stream without a values list")
        lines.extend(v[1] for v in values if isinstance(v, list) and len(v) >= 2)
    _check_size(len(lines), content)
    found = [_line_id(line, content) for line in lines]
    return _ids(found)


def _line_id(line: Any, content: ContentCheck) -> str | None:
    if not isinstance(line, str):
        return None
    if content.line_format == "logfmt":
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        pairs = dict(word.partition("=")[::2] for word in words if "=" in word)
        return pairs.get(content.id_field) or None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    values = source_values(record, content.id_field)
    return _text(values[0]) if len(values) == 1 else None


async def _es_ids(
    session: aiohttp.ClientSession,
    backend: ElasticsearchCount,
    stream: StreamConfig,
    content: ContentCheck,
    start: int,
    window: int,
    limit: int,
) -> IdList:
    assert stream.elasticsearch is not None, "validated: every stream has this section"
    where = stream.elasticsearch
    body = {
        "size": content.max_records + 1,
        "_source": [content.id_field],
        "query": es_window_query(where, start, start + window),
    }
    response = await backend.request(
        session,
        backend.url_for(f"/{quote(where.index, safe='*,')}/_search"),
        limit=limit,
        method="POST",
        json_body=body,
    )
    if response.status != 200:
        raise CountError(f"_search failed: {describe_es_error(response)}")
    answer = response.json()
    partial = es_incomplete(answer, "_search")
    if partial is not None:
        raise CountError(partial)
    hits = answer.get("hits") if isinstance(answer, dict) else None
    inner = hits.get("hits") if isinstance(hits, dict) else None
    if not isinstance(inner, list):
        raise CountError("_search answer has no hits.hits list")
    _check_size(len(inner), content)
    found: list[str | None] = []
    for hit in inner:
        source = hit.get("_source") if isinstance(hit, dict) else None
        values = source_values(source, content.id_field)
        found.append(_text(values[0]) if len(values) == 1 else None)
    return _ids(found)


def _check_size(records: int, content: ContentCheck) -> None:
    if records > content.max_records:
        raise CountError(f"more than max_records ({content.max_records}) records: count only")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)[:_MAX_ID_CHARS]


def _ids(found: list[str | None]) -> IdList:
    ids = [i for i in found if i]
    return IdList(ids, len(found) - len(ids))
