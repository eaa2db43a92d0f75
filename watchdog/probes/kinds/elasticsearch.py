"""``elasticsearch``: ``GET /_cluster/health`` of Elasticsearch or OpenSearch, judged by its body.

``_cluster/health`` answers 200 even when the cluster is red, so the ``status`` field decides:
red is a failed check (``probe_success`` 0) with the unassigned shard count as the reason;
yellow is one too when ``fail_on: yellow``. The series use the names of the
prometheus-community elasticsearch_exporter (``elasticsearch_cluster_health_status{cluster,
color}`` as three 0/1 series, one per colour, and ``elasticsearch_cluster_health_<field>``), so
existing dashboards and rules apply; ``active_shards_percent_as_number`` follows the same scheme.
OpenSearch answers the same API with the same body, so one kind serves both; ``flavor: auto``
reads ``GET /`` (``version.distribution: opensearch``) to report which one answered.

401 and 403 are precise errors (``up`` 0): Elasticsearch's ``security_exception`` reason says
whether credentials were missing, wrong, or lacked the ``monitor`` cluster privilege.
"""

from __future__ import annotations

from typing import Any, Literal

from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.elastic import ApiKeyEndpoint, describe_es_error
from watchdog.probes.httpclient import HttpResponse
from watchdog.probes.httptarget import HttpTarget
from watchdog.redact import redact, redact_url
from watchdog.samples import Sample

__all__ = ["HEALTH_FIELDS", "KIND", "ElasticsearchTarget"]

COLORS = ("green", "yellow", "red")
HEALTH_FIELDS = (
    "number_of_nodes",
    "number_of_data_nodes",
    "active_primary_shards",
    "active_shards",
    "relocating_shards",
    "initializing_shards",
    "unassigned_shards",
    "unassigned_primary_shards",
    "delayed_unassigned_shards",
    "number_of_pending_tasks",
    "number_of_in_flight_fetch",
    "task_max_waiting_in_queue_millis",
    "active_shards_percent_as_number",
)
"""Numeric ``_cluster/health`` fields exposed as ``elasticsearch_cluster_health_<field>``."""

_PREFIX = "elasticsearch_cluster_health_"
_SMALL_BODY = 256 * 1024


class ElasticsearchTarget(HttpTarget, ApiKeyEndpoint):
    """Settings of an ``elasticsearch`` target (Elasticsearch or OpenSearch)."""

    kind: Literal["elasticsearch"]
    flavor: Literal["auto", "elasticsearch", "opensearch"] = "auto"
    fail_on: Literal["red", "yellow"] = "red"
    """The best colour that still counts as a failed check."""


async def _get(ctx: ProbeContext[ElasticsearchTarget], path: str) -> HttpResponse:
    cfg = ctx.config
    return await cfg.request(
        ctx.session,
        cfg.url_for(path),
        limit=min(ctx.body_size_limit, _SMALL_BODY),
        headers={"Accept": "application/json"},
    )


async def _detect_flavor(ctx: ProbeContext[ElasticsearchTarget]) -> tuple[str, str]:
    """(flavor, version) from ``GET /``; ``unknown`` when the root is not readable."""
    response = await _get(ctx, "/")
    if response.status == 401:
        raise ProbeError(f"{redact_url(response.url)}: {describe_es_error(response)}")
    if response.status != 200:
        return "unknown", ""
    root = response.json()
    version = root.get("version") if isinstance(root, dict) else None
    if not isinstance(version, dict):
        return "unknown", ""
    flavor = "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"
    return flavor, str(version.get("number", ""))


def health_samples(health: dict[str, Any]) -> list[Sample]:
    """The exporter-compatible series for one ``_cluster/health`` body."""
    cluster = str(health.get("cluster_name", ""))
    samples = [
        Sample(
            f"{_PREFIX}status",
            1.0 if health["status"] == color else 0.0,
            {"cluster": cluster, "color": color},
        )
        for color in COLORS
    ]
    for name in HEALTH_FIELDS:
        value = health.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProbeError(f"_cluster/health field {name} is not a number: {value!r:.40}")
        samples.append(Sample(f"{_PREFIX}{name}", float(value), {"cluster": cluster}))
    return samples


async def probe_elasticsearch(ctx: ProbeContext[ElasticsearchTarget]) -> ProbeResult:
    """Read ``_cluster/health`` and judge the colour."""
    cfg = ctx.config
    flavor: str = cfg.flavor
    version = ""
    if flavor == "auto":
        flavor, version = await _detect_flavor(ctx)
    facts = {"flavor": flavor, **({"version": version} if version else {})}
    response = await _get(ctx, "/_cluster/health")
    shown = redact_url(response.url)
    if response.status in (401, 403):
        raise ProbeError(f"{shown}: {describe_es_error(response)}")
    if response.status >= 500:
        # It answered, so it is up; it just cannot say how healthy it is (e.g. no master).
        return ProbeResult([], f"cluster health unavailable: {describe_es_error(response)}", facts)
    if response.status != 200:
        raise ProbeError(f"{shown}: {describe_es_error(response)}")
    health = response.json()
    if not isinstance(health, dict) or health.get("status") not in COLORS:
        shown_status = health.get("status") if isinstance(health, dict) else None
        raise ProbeError(
            f"{shown}: not a cluster health body (status {redact(repr(shown_status)):.40})"
        )
    samples = health_samples(health)
    status = str(health["status"])
    cluster = str(health.get("cluster_name", "?"))
    facts = {**facts, "cluster": cluster, "status": status}
    failure = None
    if status == "red" or (status == "yellow" and cfg.fail_on == "yellow"):
        failure = (
            f"cluster {cluster} is {status}: {health.get('unassigned_shards', '?')} unassigned "
            f"shards, {health.get('number_of_data_nodes', '?')} data nodes"
        )
    return ProbeResult(samples, failure, facts)


KIND = ProbeKind(
    name="elasticsearch",
    config=ElasticsearchTarget,
    run=probe_elasticsearch,
    produces=frozenset({f"{_PREFIX}status"} | {f"{_PREFIX}{name}" for name in HEALTH_FIELDS}),
    summary="Elasticsearch/OpenSearch _cluster/health: colour (red fails), shards, nodes",
)
