"""Ask each backend for the pending canaries: bounded queries, capped bodies, precise errors.

* Loki: ``GET /loki/api/v1/query_range`` with ``<selector> |= "<id>"`` (or ``|~ "id1|id2"`` for
  several pending ids), ``start``/``end`` in nanoseconds around the canaries' emission times,
  ``limit`` and ``direction=forward``; lines are ``data.result[].values[][1]``.
* Elasticsearch/OpenSearch: ``POST /<index>/_search`` with one ``match_phrase`` (or ``match``
  with ``operator: and``; or one ``terms`` on a keyword ``id_field``) clause per id, an
  optional date ``range`` filter,
  ``size`` and ``_source`` limited to the line field; lines are ``hits.hits[]._source.<field>``.
* generic HTTP: see ``httpsearch``.

Absence is never an error: an id that is not found simply stays pending until its deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from watchdog.probes.answers import reason_text
from watchdog.probes.base import ProbeError
from watchdog.probes.elastic import describe_es_error
from watchdog.probes.kinds.logcanary.config import Backend, ElasticsearchBackend, LokiBackend
from watchdog.probes.kinds.logcanary.httpsearch import search_http
from watchdog.probes.kinds.logcanary.line import Verdict, verify_in
from watchdog.probes.kinds.logcanary.window import SearchError, SearchResult, SearchWindow
from watchdog.probes.logbackends import es_incomplete, loki_result, source_values

__all__ = ["judge", "search"]

_IDS_PER_LOKI_QUERY = 20


def judge(texts: list[str], tag: str, ids: list[str]) -> dict[str, Verdict]:
    """The best verdict per id over all returned texts (intact beats mangled beats absent)."""
    rank = {Verdict.ABSENT: 0, Verdict.MANGLED: 1, Verdict.INTACT: 2}
    verdicts: dict[str, Verdict] = {}
    for canary_id in ids:
        best = Verdict.ABSENT
        for text in texts:
            if canary_id in text:
                verdict = verify_in(text, tag, canary_id)
                best = verdict if rank[verdict] > rank[best] else best
                if best is Verdict.INTACT:
                    break
        verdicts[canary_id] = best
    return verdicts


async def search(
    session: aiohttp.ClientSession, backend: Backend, window: SearchWindow
) -> SearchResult:
    """Run the backend's search; transport and protocol problems become SearchError."""
    try:
        if isinstance(backend, LokiBackend):
            return await _search_loki(session, backend, window)
        if isinstance(backend, ElasticsearchBackend):
            return await _search_es(session, backend, window)
        return await search_http(session, backend, window)
    except ProbeError as exc:
        raise SearchError(str(exc)) from None


def _chunks(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def _search_loki(
    session: aiohttp.ClientSession, backend: LokiBackend, window: SearchWindow
) -> SearchResult:
    headers = backend.tenant_headers()
    texts: list[str] = []
    for chunk in _chunks(window.ids, _IDS_PER_LOKI_QUERY):
        line_filter = f'|= "{chunk[0]}"' if len(chunk) == 1 else f'|~ "{"|".join(chunk)}"'
        params = {
            "query": f"{backend.selector} {line_filter}",
            "start": str(int(window.start * 1e9)),
            "end": str(int(window.end * 1e9)),
            "limit": str(backend.limit),
            "direction": "forward",
        }
        url = backend.url_for("/loki/api/v1/query_range") + "?" + urlencode(params)
        response = await backend.request(session, url, limit=window.body_limit, headers=headers)
        if response.status != 200:
            raise SearchError(
                f"Loki query_range answered HTTP {response.status}: {reason_text(response.body)}"
            )
        texts.extend(_loki_lines(response.json()))
    return SearchResult(texts)


def _loki_lines(body: Any) -> list[str]:
    lines: list[str] = []
    for stream in loki_result(body, "streams"):
        values = stream.get("values") if isinstance(stream, dict) else None
        if not isinstance(values, list):
            raise SearchError("Loki answer has a stream without a values list")
        for entry in values:
            if not (isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[1], str)):
                raise SearchError("Loki answer has a value that is not [timestamp, line]")
            lines.append(entry[1])
    return lines


def _es_query(backend: ElasticsearchBackend, window: SearchWindow) -> dict[str, Any]:
    field = backend.field
    clauses: list[dict[str, Any]]
    if backend.id_field is not None:
        clauses = [{"terms": {backend.id_field: list(window.ids)}}]
    elif backend.query == "match":
        clauses = [{"match": {field: {"query": i, "operator": "and"}}} for i in window.ids]
    else:
        clauses = [{"match_phrase": {field: i}} for i in window.ids]
    query: dict[str, Any] = {"should": clauses, "minimum_should_match": 1}
    if backend.time_field:
        span = {"gte": int(window.start * 1000), "lte": int(window.end * 1000)}
        query["filter"] = [{"range": {backend.time_field: {**span, "format": "epoch_millis"}}}]
    return {"size": backend.size, "_source": [field], "query": {"bool": query}}


async def _search_es(
    session: aiohttp.ClientSession, backend: ElasticsearchBackend, window: SearchWindow
) -> SearchResult:
    response = await backend.request(
        session,
        backend.url_for(f"/{quote(backend.index, safe='*,')}/_search"),
        limit=window.body_limit,
        method="POST",
        json_body=_es_query(backend, window),
    )
    if response.status != 200:
        raise SearchError(f"_search failed: {describe_es_error(response)}")
    return _es_lines(response.json(), backend.field)


def _es_lines(body: Any, field: str) -> SearchResult:
    hits = body.get("hits") if isinstance(body, dict) else None
    inner = hits.get("hits") if isinstance(hits, dict) else None
    if not isinstance(inner, list):
        raise SearchError("_search answer has no hits.hits list")
    texts: list[str] = []
    for hit in inner:
        source = hit.get("_source") if isinstance(hit, dict) else None
        texts.extend(v for v in source_values(source, field) if isinstance(v, str))
    return SearchResult(texts, es_incomplete(body, "_search"))
