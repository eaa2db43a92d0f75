"""Count one stream's records of one window ``[start, end)`` in one backend: one bounded query.

* Loki: ``GET /loki/api/v1/query`` with ``sum(count_over_time(<selector> <pipeline> [<w>s]))``
  at ``time = end - 1ns``. Loki's range vector covers ``(time - range, time]``, so this is
  exactly ``[start, end)`` in nanoseconds. An empty result is 0 records (Loki returns no
  series, not a zero, when nothing matches).
* Elasticsearch / OpenSearch: ``POST /<index>/_count`` with a ``bool.filter`` of a ``range`` on
  ``time_field`` (``gte`` start, ``lt`` end, ``epoch_millis``) and the stream's own clause. An
  answer with failed shards or a timeout is an error, never a count: a partial count would
  report records as missing that are only unreachable.
* generic HTTP: the URL (and body) template with ``{stream}``, ``{query}`` and the time
  placeholders; the count is at ``json_path`` or is the whole body; it must be a whole number.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from watchdog.probes.answers import reason_text
from watchdog.probes.base import ProbeError
from watchdog.probes.elastic import describe_es_error
from watchdog.probes.jsonpath import select
from watchdog.probes.kinds.reconcile.config import (
    Backend,
    ElasticsearchCount,
    ElasticsearchStream,
    HttpCount,
    LokiCount,
    StreamConfig,
)
from watchdog.probes.logbackends import es_incomplete, loki_result
from watchdog.probes.urltemplate import fill_template, time_values
from watchdog.redact import redact_url

__all__ = ["CountError", "count_records", "es_window_query"]


class CountError(Exception):
    """The backend could not be counted in; the message says why (no secrets)."""


async def count_records(
    session: aiohttp.ClientSession,
    backend: Backend,
    stream: StreamConfig,
    start: int,
    window: int,
    limit: int,
) -> int:
    """Records of ``stream`` in ``[start, start + window)`` in ``backend``, or CountError."""
    try:
        if isinstance(backend, LokiCount):
            return await _count_loki(session, backend, stream, start, window, limit)
        if isinstance(backend, ElasticsearchCount):
            return await _count_es(session, backend, stream, start, window, limit)
        return await _count_http(session, backend, stream, start, window, limit)
    except ProbeError as exc:
        raise CountError(str(exc)) from None


async def _count_loki(
    session: aiohttp.ClientSession,
    backend: LokiCount,
    stream: StreamConfig,
    start: int,
    window: int,
    limit: int,
) -> int:
    assert stream.loki is not None, "validated: every stream has a loki section"
    query = f"sum(count_over_time({stream.loki.logs()} [{window}s]))"
    params = {"query": query, "time": str((start + window) * 10**9 - 1)}
    url = backend.url_for("/loki/api/v1/query") + "?" + urlencode(params)
    response = await backend.request(session, url, limit=limit, headers=backend.tenant_headers())
    if response.status != 200:
        raise CountError(
            f"Loki query answered HTTP {response.status}: {reason_text(response.body)}"
        )
    result = loki_result(response.json(), "vector")
    if not result:
        return 0
    if len(result) > 1:
        raise CountError(f"Loki answered {len(result)} series for a sum, expected one")
    value = result[0].get("value") if isinstance(result[0], dict) else None
    if not (isinstance(value, list) and len(value) == 2):
        raise CountError("Loki answer has a sample that is not [time, value]")
    return _whole(value[1], "Loki")


def es_window_query(stream: ElasticsearchStream, start: int, end: int) -> dict[str, Any]:
    """The Query DSL for the stream's records in ``[start, end)`` (seconds)."""
    span = {"gte": start * 1000, "lt": end * 1000, "format": "epoch_millis"}
    clauses: list[dict[str, Any]] = [{"range": {stream.time_field: span}}]
    if stream.query is not None:
        clauses.append(stream.query)
    return {"bool": {"filter": clauses}}


async def _count_es(
    session: aiohttp.ClientSession,
    backend: ElasticsearchCount,
    stream: StreamConfig,
    start: int,
    window: int,
    limit: int,
) -> int:
    assert stream.elasticsearch is not None, "validated: every stream has this section"
    where = stream.elasticsearch
    response = await backend.request(
        session,
        backend.url_for(f"/{quote(where.index, safe='*,')}/_count"),
        limit=limit,
        method="POST",
        json_body={"query": es_window_query(where, start, start + window)},
    )
    if response.status != 200:
        raise CountError(f"_count failed: {describe_es_error(response)}")
    body = response.json()
    partial = es_incomplete(body, "_count")
    if partial is not None:
        raise CountError(partial)
    count = body.get("count") if isinstance(body, dict) else None
    return _whole(count, "_count")


async def _count_http(
    session: aiohttp.ClientSession,
    backend: HttpCount,
    stream: StreamConfig,
    start: int,
    window: int,
    limit: int,
) -> int:
    values = {
        "stream": stream.name,
        "query": stream.http.query if stream.http is not None else "",
        **time_values(start, start + window),
    }
    url = fill_template(backend.url, values, url=True)
    data = None
    headers: dict[str, str] = {}
    if backend.body is not None:
        text = fill_template(backend.body, values, url=False)
        data = text.encode()
        try:
            json.loads(text)
            headers["Content-Type"] = "application/json"
        except ValueError:
            headers["Content-Type"] = "text/plain; charset=utf-8"
    response = await backend.request(
        session, url, limit=limit, method=backend.method, headers=headers, data=data
    )
    if not 200 <= response.status < 300:
        raise CountError(
            f"{redact_url(url)} answered HTTP {response.status}: {reason_text(response.body)}"
        )
    if backend.json_path is None:
        return _whole(response.text().strip(), "the count endpoint")
    found = select(response.json(), backend.json_path)
    if len(found) != 1:
        raise CountError(f"{backend.json_path} matched {len(found)} values in the answer, not one")
    return _whole(found[0], "the count endpoint")


def _whole(value: Any, source: str) -> int:
    """A non-negative whole number from a JSON number or numeric string."""
    if isinstance(value, bool):
        value = None
    try:
        number = float(value) if isinstance(value, str | int | float) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise CountError(f"{source} answered {reason_text(str(value), 40)!s}, not a record count")
    return int(number)
