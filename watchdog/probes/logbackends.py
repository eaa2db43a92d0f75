"""What the log-backend kinds (``logcanary``, ``reconcile``) share about Loki and Elasticsearch /
OpenSearch: a named backend's endpoint settings, the validation of selectors and index
patterns, and reading their query answers.

* Loki answers ``{"status": "success", "data": {"resultType": …, "result": […]}}`` on both
  ``/loki/api/v1/query`` and ``/loki/api/v1/query_range``; ``loki_result`` checks the envelope
  and returns ``data.result``.
* Elasticsearch / OpenSearch report partial answers in ``timed_out`` and ``_shards.failed``
  (the HTTP status stays 200): ``es_incomplete`` says so, ``source_values`` reads a dotted
  field out of a ``_source``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from watchdog.probes.base import ProbeError
from watchdog.probes.elastic import ApiKeyEndpoint
from watchdog.probes.httptarget import HttpEndpoint

__all__ = [
    "ElasticEndpoint",
    "LokiEndpoint",
    "NamedBackend",
    "check_index",
    "check_selector",
    "es_incomplete",
    "loki_result",
    "source_values",
]

_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_INDEX = re.compile(r'^[^\s/\\?"<>|#]+$')


def check_selector(value: str) -> str:
    """A LogQL stream selector such as ``{job="fluent-bit"}``, stripped; ValueError otherwise."""
    value = value.strip()
    if not (value.startswith("{") and value.endswith("}")) or "|" in value:
        raise ValueError('selector must be a LogQL stream selector such as {job="fluent-bit"}')
    return value


def check_index(value: str) -> str:
    """An index name or pattern (``*`` wildcards, commas); ValueError otherwise."""
    if not _INDEX.match(value):
        raise ValueError("index must be an index name or pattern without spaces or slashes")
    return value


class NamedBackend(HttpEndpoint):
    """A backend of a multi-backend kind: its endpoint and the name its series carry."""

    name: str
    """The ``backend`` label of this backend's series."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("name must be 1-64 characters of [A-Za-z0-9_.:-]")
        return value


class LokiEndpoint(NamedBackend):
    """A Loki backend: its URL and, for a multi-tenant Loki, the tenant."""

    tenant_id: str | None = None
    """Sent as ``X-Scope-OrgID``."""

    def tenant_headers(self) -> dict[str, str]:
        """The tenant header, if a tenant is set."""
        return {"X-Scope-OrgID": self.tenant_id} if self.tenant_id else {}


class ElasticEndpoint(NamedBackend, ApiKeyEndpoint):
    """An Elasticsearch / OpenSearch backend: its URL and credentials (API key included)."""


def loki_result(body: Any, result_type: str) -> list[Any]:
    """``data.result`` of a Loki query answer of ``result_type``; ProbeError otherwise."""
    if not isinstance(body, dict) or body.get("status") != "success":
        status = body.get("status") if isinstance(body, dict) else type(body).__name__
        raise ProbeError(f"Loki answered status {status!r:.40}, expected 'success'")
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != result_type:
        kind = data.get("resultType") if isinstance(data, dict) else None
        raise ProbeError(f"Loki answered resultType {kind!r:.40}, expected {result_type!r}")
    result = data.get("result")
    if not isinstance(result, list):
        raise ProbeError("Loki answer has no data.result list")
    return result


def es_incomplete(body: Any, what: str) -> str | None:
    """Why an Elasticsearch answer is partial (timed out, failed shards), or None."""
    if not isinstance(body, dict):
        return None
    shards = body.get("_shards")
    failed = shards.get("failed", 0) if isinstance(shards, dict) else 0
    if body.get("timed_out") or (isinstance(failed, int) and failed > 0):
        return f"{what} incomplete: timed_out={body.get('timed_out')}, failed shards={failed}"
    return None


def source_values(source: Any, field: str) -> list[Any]:
    """The values of the dotted ``field`` in a document's ``_source`` (a list flattened)."""
    value: Any = source
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
