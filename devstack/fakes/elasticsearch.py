"""A fake Elasticsearch (or OpenSearch) that answers like the documented REST API.

Reproduces (Elasticsearch reference: cluster-health.html, docs-index_.html, search-search.html,
and the security error format; OpenSearch's identical ``_cluster/health``):

* ``GET /``: ``{"name", "cluster_name", "version": {"number", …}, "tagline": "You Know, for
  Search"}``; with ``flavor="opensearch"`` the version carries ``"distribution": "opensearch"``.
* ``GET /_cluster/health``: always 200 whatever the colour — ``cluster_name``, ``status``
  (settable green/yellow/red), ``timed_out``, ``number_of_nodes``, ``number_of_data_nodes``,
  ``active_primary_shards``, ``active_shards``, ``relocating_shards``, ``initializing_shards``,
  ``unassigned_shards``, ``delayed_unassigned_shards``, ``number_of_pending_tasks``,
  ``number_of_in_flight_fetch``, ``task_max_waiting_in_queue_millis``,
  ``active_shards_percent_as_number``. ``no_master=True`` answers 503
  ``master_not_discovered_exception``.
* Security: with ``api_key`` or ``basic`` set, a request without credentials gets 401
  ``security_exception`` "missing authentication credentials for REST request [<path>]" and a
  ``WWW-Authenticate`` header; wrong credentials get 401 "unable to authenticate …";
  ``forbid_health=True`` gets 403 "action [cluster:monitor/health] is unauthorized for user …".
  Error bodies are ``{"error": {"root_cause": […], "type", "reason"}, "status"}``.
* ``POST /<index>/_doc``: stores the JSON document, 201 with ``_index``, ``_id``, ``_version``,
  ``result: created``, ``_shards``, ``_seq_no``, ``_primary_term``.
* ``GET|POST /<pattern>/_search``: comma-separated names and ``*`` wildcards; a concrete
  missing index → 404 ``index_not_found_exception``, a wildcard matching nothing → 200 with no
  hits. Body: ``query`` (see ``esquery``), ``size`` (default 10; ``from + size`` above 10000 →
  400 "Result window is too large"), ``_source`` (true/false or a list of fields). Answer:
  ``took``, ``timed_out``, ``_shards``, ``hits.total {value, relation: "eq"}``, ``max_score``,
  ``hits.hits[] {_index, _id, _score, _source}``. ``_source`` fields may be dotted
  (``request.id`` keeps ``{"request": {"id": …}}``).
* ``GET|POST /<pattern>/_count`` (count-api.html): the same index resolution; the body may hold
  only ``query`` (anything else → 400 ``parsing_exception`` "request does not support [<key>]").
  Answer: ``{"count": N, "_shards": {"total", "successful", "skipped", "failed"}}``.
* ``failed_shards``: that many shards fail in every ``_search`` and ``_count`` answer — still
  HTTP 200, with ``_shards.failed`` and a ``failures`` list, and the numbers from the shards that
  answered — the partial answer Elasticsearch gives when a shard is unavailable.

Documents are searchable immediately (as after ``?refresh=true``); real Elasticsearch makes
them visible at the next refresh, by default within a second.
"""

from __future__ import annotations

import base64
import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from devstack.fakes.esquery import QueryError, matches, validate
from devstack.fakes.server import FakeServer

__all__ = ["FakeElasticsearch"]

MAX_RESULT_WINDOW = 10_000


def _error(status: int, kind: str, reason: str | None, **extra: Any) -> web.Response:
    error = {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}
    body = {"error": {**error, **extra}, "status": status}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


@dataclass
class FakeElasticsearch(FakeServer):
    """See the module docstring."""

    flavor: str = "elasticsearch"
    status: str = "green"
    unassigned_shards: int = 0
    no_master: bool = False
    api_key: str | None = None
    basic: tuple[str, str] | None = None
    forbid_health: bool = False
    indices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failed_shards: int = 0

    def routes(self, app: web.Application) -> None:
        """The REST routes the probes use."""
        app.router.add_get("/", self._root)
        app.router.add_get("/_cluster/health", self._health)
        app.router.add_post("/{index}/_doc", self._index_doc)
        app.router.add_route("*", "/{index}/_search", self._search)
        app.router.add_route("*", "/{index}/_count", self._count)

    def documents(self) -> list[dict[str, Any]]:
        """Every stored document (for assertions)."""
        return [doc for docs in self.indices.values() for doc in docs]

    def _denied(self, request: web.Request) -> web.Response | None:
        if self.api_key is None and self.basic is None:
            return None
        header = request.headers.get("Authorization", "")
        if not header:
            return _error(
                401,
                "security_exception",
                f"missing authentication credentials for REST request [{request.path}]",
                header={"WWW-Authenticate": ['Basic realm="security"', "ApiKey"]},
            )
        if self.api_key is not None and header == f"ApiKey {self.api_key}":
            return None
        if self.basic is not None and header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if (user, password) == self.basic:
                return None
            return _error(
                401,
                "security_exception",
                f"unable to authenticate user [{user}] for REST request [{request.path}]",
            )
        return _error(
            401,
            "security_exception",
            "unable to authenticate with provided credentials and anonymous access is not "
            "allowed for this request",
        )

    async def _root(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        version: dict[str, Any] = {"number": "8.11.1", "build_flavor": "default"}
        if self.flavor == "opensearch":
            version = {"distribution": "opensearch", "number": "2.11.0"}
        body = {
            "name": "node-1",
            "cluster_name": "logs",
            "version": version,
            "tagline": "You Know, for Search"
            if self.flavor != "opensearch"
            else "The OpenSearch Project: https://opensearch.org/",
        }
        return web.json_response(body)

    async def _health(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        if self.forbid_health:
            return _error(
                403,
                "security_exception",
                "action [cluster:monitor/health] is unauthorized for user [canary] with "
                "effective roles [logs_reader], this action is granted by the cluster "
                "privileges [monitor,manage,all]",
            )
        if self.no_master:
            return _error(503, "master_not_discovered_exception", None)
        total = 10
        body = {
            "cluster_name": "logs",
            "status": self.status,
            "timed_out": False,
            "number_of_nodes": 3,
            "number_of_data_nodes": 3 if self.status != "red" else 2,
            "active_primary_shards": 5,
            "active_shards": total - self.unassigned_shards,
            "relocating_shards": 0,
            "initializing_shards": 0,
            "unassigned_shards": self.unassigned_shards,
            "delayed_unassigned_shards": 0,
            "number_of_pending_tasks": 0,
            "number_of_in_flight_fetch": 0,
            "task_max_waiting_in_queue_millis": 0,
            "active_shards_percent_as_number": 100.0 * (total - self.unassigned_shards) / total,
        }
        return web.json_response(body)

    async def _index_doc(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        index = request.match_info["index"]
        try:
            document = await request.json()
        except ValueError:
            return _error(400, "mapper_parsing_exception", "failed to parse")
        docs = self.indices.setdefault(index, [])
        docs.append(document)
        body = {
            "_index": index,
            "_id": f"doc-{len(docs)}",
            "_version": 1,
            "result": "created",
            "_shards": {"total": 2, "successful": 1, "failed": 0},
            "_seq_no": len(docs) - 1,
            "_primary_term": 1,
        }
        return web.json_response(body, status=201)

    async def _search(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        names = self._resolve(request.match_info["index"])
        if isinstance(names, web.Response):
            return names
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
            size = int(body.get("size", 10))
            offset = int(body.get("from", 0))
            query = body.get("query", {"match_all": {}})
            validate(query)
            if offset + size > MAX_RESULT_WINDOW:
                return _error(
                    400,
                    "illegal_argument_exception",
                    "Result window is too large, from + size must be less than or equal to: "
                    f"[{MAX_RESULT_WINDOW}] but was [{offset + size}].",
                )
            hits = [
                (name, i, doc)
                for name in sorted(set(names))
                for i, doc in enumerate(self.indices[name])
                if matches(doc, query)
            ]
        except QueryError as exc:
            return _error(400, "parsing_exception", str(exc))
        except (ValueError, AttributeError, TypeError) as exc:
            return _error(400, "parsing_exception", f"request body malformed: {exc}")
        shown = [_hit(name, i, doc, body.get("_source", True)) for name, i, doc in hits]
        return web.json_response(
            {
                "took": 1,
                "timed_out": False,
                "_shards": self._shards(len(set(names))),
                "hits": {
                    "total": {"value": len(hits), "relation": "eq"},
                    "max_score": 1.0 if hits else None,
                    "hits": shown[offset : offset + size],
                },
            }
        )

    def _resolve(self, pattern: str) -> list[str] | web.Response:
        """The index names ``pattern`` (names, ``*`` wildcards, commas) resolves to."""
        names: list[str] = []
        for part in pattern.split(","):
            if "*" in part:
                names.extend(n for n in self.indices if fnmatch.fnmatchcase(n, part))
            elif part in self.indices:
                names.append(part)
            else:
                return _error(
                    404, "index_not_found_exception", f"no such index [{part}]", index=part
                )
        return names

    def _shards(self, indices: int) -> dict[str, Any]:
        total = max(indices, self.failed_shards)
        shards: dict[str, Any] = {
            "total": total,
            "successful": total - self.failed_shards,
            "skipped": 0,
            "failed": self.failed_shards,
        }
        if self.failed_shards:
            reason = {"type": "no_shard_available_action_exception", "reason": None}
            shards["failures"] = [
                {"shard": i, "index": "unavailable", "reason": reason}
                for i in range(self.failed_shards)
            ]
        return shards

    async def _count(self, request: web.Request) -> web.Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        names = self._resolve(request.match_info["index"])
        if isinstance(names, web.Response):
            return names
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise QueryError("request body must be an object")
            unknown = sorted(set(body) - {"query"})
            if unknown:
                raise QueryError(f"request does not support [{unknown[0]}]")
            query = body.get("query", {"match_all": {}})
            validate(query)
            docs = [doc for name in sorted(set(names)) for doc in self.indices[name]]
            count = sum(1 for doc in docs if matches(doc, query))
        except QueryError as exc:
            return _error(400, "parsing_exception", str(exc))
        except (ValueError, AttributeError, TypeError) as exc:
            return _error(400, "parsing_exception", f"request body malformed: {exc}")
        return web.json_response({"count": count, "_shards": self._shards(len(set(names)))})


def _sourced(doc: dict[str, Any], fields: list[Any]) -> dict[str, Any]:
    """``doc`` reduced to ``fields`` (dotted paths keep their nesting)."""
    kept: dict[str, Any] = {}
    for name in fields:
        value: Any = doc
        parts = str(name).split(".")
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            continue
        target = kept
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return kept


def _hit(index: str, position: int, doc: dict[str, Any], source: Any) -> dict[str, Any]:
    hit: dict[str, Any] = {"_index": index, "_id": f"doc-{position + 1}", "_score": 1.0}
    if source is True:
        hit["_source"] = doc
    elif isinstance(source, list):
        hit["_source"] = _sourced(doc, source)
    return hit
