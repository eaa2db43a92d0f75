"""A fake Grafana Loki that answers like the documented HTTP API.

Reproduces (Loki HTTP API reference, grafana.com/docs/loki/latest/reference/loki-http-api/, and
``readyHandler`` in pkg/loki/loki.go):

* ``GET /ready``: 200 ``ready`` when ready; 503 ``text/plain`` with the reason otherwise, e.g.
  ``Ingester not ready: waiting for 15s after being ready`` (settable ``ready_status``).
* ``GET /metrics``: Prometheus text with Loki's own names — ``loki_build_info``,
  ``loki_distributor_lines_received_total{tenant}``,
  ``loki_distributor_ingester_append_failures_total{ingester}``,
  ``loki_discarded_samples_total{reason,tenant}``,
  ``loki_ingester_chunks_flush_failures_total``, the ``loki_request_duration_seconds`` histogram by
  ``method, route, status_code, ws`` — plus Go runtime noise; values settable in ``metrics``.
* ``POST /loki/api/v1/push`` with ``Content-Type: application/json``:
  ``{"streams": [{"stream": {labels}, "values": [["<unix ns>", "<line>"], …]}]}`` → 204;
  a malformed body → 400. Snappy-compressed protobuf pushes are NOT implemented (any other
  content type → 415). ``push_error`` makes pushes fail (e.g. 500 ``at least 1 live replicas
  required``) while ``/ready`` stays 200 — a Loki that stopped ingesting but says it is ready.
* ``GET /loki/api/v1/query_range``: ``query`` (a stream selector and ``|=``/``!=``/``|~``/``!~``
  line filters), ``start``/``end`` (Unix ns, float seconds or RFC 3339; default the last hour;
  ``end`` exclusive), ``limit`` (default 100; above ``max_entries_limit_per_query`` 5000 → 400),
  ``direction`` (``backward`` default or ``forward``). Answer:
  ``{"status":"success","data":{"resultType":"streams","result":[{"stream":{…},
  "values":[["<ns>","<line>"]]}],"stats":{…}}}``. Query errors are 400 with a plain-text reason.
* ``GET /loki/api/v1/query`` (instant query) with a metric query (see ``logql_metric``:
  ``count_over_time`` of a log query, alone or under ``sum`` / ``sum by``) at ``time`` (Unix
  ns, float seconds or RFC 3339; default now). The range covers ``time - range < ts <= time``,
  open on the left as Loki's range vector iterator is. Answer: ``{"status":"success","data":
  {"resultType":"vector","result":[{"metric":{…},"value":[<seconds>,"<count>"]}],"stats":{…}}}``;
  a series with no entry is absent, so counting nothing gives an empty ``result``, not 0. A log
  query is refused with 400 ``log queries are not supported as an instant query type, please
  change your query to a range query type`` (Loki 3.x).
* ``require_tenant``: like ``auth_enabled: true``, requests without ``X-Scope-OrgID`` get 401
  ``no org id``.

Entries are searchable as soon as the push returns (Loki serves recent data from ingesters).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from devstack.fakes.logql import LogQLError, parse_query
from devstack.fakes.logql_metric import is_metric_query, parse_metric_query
from devstack.fakes.server import FakeServer
from watchdog.clock import Clock, SystemClock

__all__ = ["FakeLoki"]

MAX_ENTRIES_LIMIT = 5000


def _parse_time(text: str) -> int:
    """Loki accepts Unix nanoseconds, float seconds, or RFC 3339."""
    if text.isdigit():
        return int(text)
    try:
        return int(float(text) * 1e9)
    except ValueError:
        pass
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1e9)


@dataclass
class FakeLoki(FakeServer):
    """See the module docstring."""

    clock: Clock = field(default_factory=SystemClock)
    ready_status: tuple[int, str] = (200, "ready\n")
    push_error: tuple[int, str] | None = None
    require_tenant: bool = False
    streams: dict[tuple[tuple[str, str], ...], list[tuple[int, str]]] = field(default_factory=dict)
    metrics: dict[str, float] = field(
        default_factory=lambda: {
            "lines_received": 1200.0,
            "append_failures": 0.0,
            "discarded_rate_limited": 0.0,
            "flush_failures": 0.0,
            "push_5xx": 0.0,
            "push_2xx": 340.0,
        }
    )

    def routes(self, app: web.Application) -> None:
        """Loki's routes."""
        app.router.add_get("/ready", self._ready)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_post("/loki/api/v1/push", self._push)
        app.router.add_get("/loki/api/v1/query_range", self._query_range)
        app.router.add_get("/loki/api/v1/query", self._query)

    def lines(self) -> list[str]:
        """Every stored line (for assertions)."""
        return [line for entries in self.streams.values() for _ts, line in entries]

    async def _ready(self, _request: web.Request) -> web.Response:
        status, text = self.ready_status
        return web.Response(status=status, text=text)

    async def _metrics(self, _request: web.Request) -> web.Response:
        m = self.metrics
        text = f"""# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 312
# HELP loki_build_info A metric with a constant '1' value labeled by version, revision, branch.
# TYPE loki_build_info gauge
loki_build_info{{branch="HEAD",goversion="go1.21.3",revision="1cc3d0d",version="2.9.2"}} 1
# HELP loki_distributor_lines_received_total The total number of lines received per tenant
# TYPE loki_distributor_lines_received_total counter
loki_distributor_lines_received_total{{tenant="fake"}} {m["lines_received"]}
# HELP loki_distributor_ingester_append_failures_total The total number of failed batch appends.
# TYPE loki_distributor_ingester_append_failures_total counter
loki_distributor_ingester_append_failures_total{{ingester="10.0.0.7:9095"}} {m["append_failures"]}
# HELP loki_discarded_samples_total The total number of samples that were discarded.
# TYPE loki_discarded_samples_total counter
loki_discarded_samples_total{{reason="rate_limited",tenant="fake"}} {m["discarded_rate_limited"]}
# HELP loki_ingester_chunks_flush_failures_total Total number of flush failures.
# TYPE loki_ingester_chunks_flush_failures_total counter
loki_ingester_chunks_flush_failures_total {m["flush_failures"]}
# HELP loki_request_duration_seconds Time (in seconds) spent serving HTTP requests.
# TYPE loki_request_duration_seconds histogram
"""
        for code, count in (("204", m["push_2xx"]), ("500", m["push_5xx"])):
            labels = f'method="POST",route="loki_api_v1_push",status_code="{code}",ws="false"'
            for bound in ("0.005", "0.05", "0.5", "+Inf"):
                text += f'loki_request_duration_seconds_bucket{{{labels},le="{bound}"}} {count}\n'
            text += f"loki_request_duration_seconds_sum{{{labels}}} {count * 0.01}\n"
            text += f"loki_request_duration_seconds_count{{{labels}}} {count}\n"
        return web.Response(text=text, content_type="text/plain", charset="utf-8")

    def _tenant_missing(self, request: web.Request) -> web.Response | None:
        if self.require_tenant and not request.headers.get("X-Scope-OrgID"):
            return web.Response(status=401, text="no org id\n")
        return None

    async def _push(self, request: web.Request) -> web.Response:
        denied = self._tenant_missing(request)
        if denied is not None:
            return denied
        if request.content_type != "application/json":
            return web.Response(status=415, text="fake Loki supports JSON pushes only\n")
        if self.push_error is not None:
            status, text = self.push_error
            return web.Response(status=status, text=text)
        try:
            entries = _parse_push(await request.json())
        except (ValueError, KeyError, TypeError) as exc:
            return web.Response(status=400, text=f"error parsing push request: {exc}\n")
        for labels, ts, line in entries:
            self.streams.setdefault(labels, []).append((ts, line))
        return web.Response(status=204)

    async def _query_range(self, request: web.Request) -> web.Response:
        denied = self._tenant_missing(request)
        if denied is not None:
            return denied
        q = request.query
        try:
            query = parse_query(q.get("query", ""))
            end = _parse_time(q["end"]) if "end" in q else int(self.clock.now() * 1e9)
            start = _parse_time(q["start"]) if "start" in q else end - 3600 * 10**9
            limit = int(q.get("limit", "100"))
        except (LogQLError, ValueError) as exc:
            return web.Response(status=400, text=f"{exc}\n")
        if limit > MAX_ENTRIES_LIMIT:
            return web.Response(
                status=400,
                text="max entries limit per query exceeded, limit > max_entries_limit "
                f"({limit} > {MAX_ENTRIES_LIMIT})\n",
            )
        if end <= start:
            return web.Response(
                status=400, text="end timestamp must not be before or equal to start time\n"
            )
        hits = [
            (ts, labels, line)
            for labels, entries in self.streams.items()
            if query.selects(dict(labels))
            for ts, line in entries
            if start <= ts < end and query.keeps(line)
        ]
        hits.sort(key=lambda hit: hit[0], reverse=q.get("direction", "backward") == "backward")
        grouped: dict[tuple[tuple[str, str], ...], list[list[str]]] = {}
        for ts, labels, line in hits[:limit]:
            grouped.setdefault(labels, []).append([str(ts), line])
        result = [{"stream": dict(labels), "values": values} for labels, values in grouped.items()]
        body: dict[str, Any] = {
            "status": "success",
            "data": {
                "resultType": "streams",
                "result": result,
                "stats": {"summary": {"totalEntriesReturned": min(len(hits), limit)}},
            },
        }
        return web.Response(text=json.dumps(body), content_type="application/json")

    async def _query(self, request: web.Request) -> web.Response:
        denied = self._tenant_missing(request)
        if denied is not None:
            return denied
        q = request.query
        text = q.get("query", "")
        if not is_metric_query(text):
            return web.Response(
                status=400,
                text="log queries are not supported as an instant query type, please change "
                "your query to a range query type\n",
            )
        try:
            query = parse_metric_query(text)
            at = _parse_time(q["time"]) if "time" in q else int(self.clock.now() * 1e9)
        except (LogQLError, ValueError) as exc:
            return web.Response(status=400, text=f"{exc}\n")
        stamp = round(at / 1e9, 3)
        result = [
            {"metric": labels, "value": [stamp, str(count)]}
            for labels, count in query.evaluate(self.streams, at)
        ]
        body = {
            "status": "success",
            "data": {"resultType": "vector", "result": result, "stats": {"summary": {}}},
        }
        return web.Response(text=json.dumps(body), content_type="application/json")


def _parse_push(body: Any) -> list[tuple[tuple[tuple[str, str], ...], int, str]]:
    entries: list[tuple[tuple[tuple[str, str], ...], int, str]] = []
    for stream in body["streams"]:
        labels = stream["stream"]
        if not isinstance(labels, dict) or not labels:
            raise ValueError("stream labels must be a non-empty object")
        key = tuple(sorted((str(k), str(v)) for k, v in labels.items()))
        for value in stream["values"]:
            ts, line = value[0], value[1]
            if not isinstance(ts, str) or not ts.isdigit() or not isinstance(line, str):
                raise ValueError('values must be ["<unix epoch ns>", "<line>"]')
            entries.append((key, int(ts), line))
    return entries
