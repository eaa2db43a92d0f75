"""``alertmanager``: can this replica accept alerts, and is it delivering them?

``up`` is 1 exactly when the replica accepts alerts: an empty alert list POSTed to
``/api/v2/alerts`` (a no-op for Alertmanager) is answered 2xx. With ``check_accepts_alerts:
false`` a 200 from ``/-/healthy`` stands in. The delivery chain watches this ``up`` to decide
on fallback. ``probe_success`` then also needs ``/-/healthy`` and ``/-/ready`` to answer 200,
``/api/v2/status`` to show a settled cluster with enough peers, the last config reload to have
succeeded and no integration failing notifications since the last probe.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.component import (
    ComponentTarget,
    first_label,
    keep_named,
    request,
    single_value,
)
from watchdog.probes.counters import CounterMemory
from watchdog.probes.httpclient import HttpResponse
from watchdog.probes.scraping import scrape_samples
from watchdog.redact import redact_url
from watchdog.samples import Sample

__all__ = ["CLUSTER_STATES", "KIND", "PASSED_THROUGH", "AlertmanagerTarget"]

CLUSTER_STATES = ("ready", "settling", "disabled")
"""The values of ``cluster.status`` in Alertmanager's ``/api/v2/status``."""

PASSED_THROUGH: frozenset[str] = frozenset(
    {
        "alertmanager_build_info",
        "alertmanager_config_hash",
        "alertmanager_config_last_reload_successful",
        "alertmanager_config_last_reload_success_timestamp_seconds",
        "alertmanager_notifications_total",
        "alertmanager_notifications_failed_total",
        "alertmanager_cluster_enabled",
        "alertmanager_cluster_members",
        "alertmanager_cluster_failed_peers",
        "alertmanager_cluster_health_score",
        "alertmanager_alerts_invalid_total",
    }
)
"""Names (as in Alertmanager 0.25) kept from its ``/metrics``; everything else is dropped."""

_OWN = (
    "watchdog_alertmanager_healthy",
    "watchdog_alertmanager_ready",
    "watchdog_alertmanager_cluster_status",
    "watchdog_alertmanager_cluster_peers",
    "watchdog_alertmanager_notifications_failed_ratio",
)
_ATTEMPTED = "alertmanager_notifications_total"
_FAILED = "alertmanager_notifications_failed_total"


class AlertmanagerTarget(ComponentTarget):
    """Settings of an ``alertmanager`` target (``url`` is the replica's base URL)."""

    kind: Literal["alertmanager"]
    check_accepts_alerts: bool = True
    """POST an empty alert list to decide ``up`` (else ``/-/healthy`` decides)."""
    min_cluster_peers: int | None = Field(default=None, ge=1)
    """Fail when the cluster has fewer members than this (the replica counts itself)."""
    max_notification_failure_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    """Fail when an integration's failed/attempted notifications since the last probe exceed it."""


async def probe_alertmanager(ctx: ProbeContext[AlertmanagerTarget]) -> ProbeResult:
    """Acceptance first (decides ``up``), then health, readiness, cluster and delivery."""
    cfg = ctx.config
    if cfg.check_accepts_alerts:
        accepted = await request(ctx, "/api/v2/alerts", method="POST", json_body=[])
        if not 200 <= accepted.status < 300:
            raise ProbeError(
                f"{redact_url(accepted.url)} answered HTTP {accepted.status} to an empty alert "
                "list: the replica does not accept alerts"
            )
    else:
        healthy = await request(ctx, "/-/healthy")
        if healthy.status != 200:
            raise ProbeError(f"{redact_url(healthy.url)} answered HTTP {healthy.status}")
    # From here on the replica takes alerts (up is 1): whatever else fails is a problem.
    problems: list[str] = []
    samples: list[Sample] = []
    for path, name in (("/-/healthy", "healthy"), ("/-/ready", "ready")):
        response = await _get(ctx, path, problems)
        ok = response is not None and response.status == 200
        samples.append(Sample(f"watchdog_alertmanager_{name}", 1.0 if ok else 0.0))
        if response is not None and not ok:
            problems.append(f"{path} answered HTTP {response.status}")
    facts: dict[str, str] = {}
    problems.extend(await _cluster(ctx, samples, facts))
    problems.extend(await _delivery(ctx, samples, facts))
    return ProbeResult(samples, "; ".join(problems) or None, facts)


async def _cluster(
    ctx: ProbeContext[AlertmanagerTarget], samples: list[Sample], facts: dict[str, str]
) -> list[str]:
    """Cluster state and peer count from ``/api/v2/status`` (its body holds the config:
    nothing of it but these fields is ever used or shown)."""
    problems: list[str] = []
    response = await _get(ctx, "/api/v2/status", problems)
    if response is None:
        return problems
    if response.status != 200:
        return [f"/api/v2/status answered HTTP {response.status}"]
    try:
        status, peers, version = _read_status(response.json())
    except ProbeError as exc:
        return [str(exc)]
    samples.extend(
        Sample(
            "watchdog_alertmanager_cluster_status",
            1.0 if status == state else 0.0,
            {"status": state},
        )
        for state in CLUSTER_STATES
    )
    samples.append(Sample("watchdog_alertmanager_cluster_peers", float(peers)))
    facts.update(cluster=status, peers=str(peers))
    if version:
        facts["version"] = version
    if status not in CLUSTER_STATES:
        problems.append(f"unknown cluster status {status[:40]!r}")
    elif status == "settling":
        problems.append("cluster is still settling (gossip not converged)")
    minimum = ctx.config.min_cluster_peers
    if minimum is not None and peers < minimum:
        problems.append(f"cluster has {peers} member(s), fewer than the {minimum} expected")
    return problems


async def _get(
    ctx: ProbeContext[AlertmanagerTarget], path: str, problems: list[str]
) -> HttpResponse | None:
    """GET ``path``; a transport failure is recorded as a problem and gives None."""
    try:
        return await request(ctx, path)
    except ProbeError as exc:
        problems.append(str(exc))
        return None


def _read_status(body: Any) -> tuple[str, int, str | None]:
    cluster = body.get("cluster") if isinstance(body, dict) else None
    if not isinstance(cluster, dict) or not isinstance(cluster.get("status"), str):
        raise ProbeError("/api/v2/status has no cluster.status: is this an Alertmanager?")
    peers = cluster.get("peers") or []
    if not isinstance(peers, list):
        raise ProbeError("/api/v2/status: cluster.peers is not a list")
    info = body.get("versionInfo")
    version = info.get("version") if isinstance(info, dict) else None
    return cluster["status"], len(peers), version if isinstance(version, str) else None


async def _delivery(
    ctx: ProbeContext[AlertmanagerTarget], samples: list[Sample], facts: dict[str, str]
) -> list[str]:
    """Config reload state and notification failures per integration from ``/metrics``."""
    cfg = ctx.config
    try:
        scraped = await scrape_samples(ctx, cfg.url_for(cfg.metrics_path))
    except ProbeError as exc:
        ctx.memory.get(CounterMemory).clear()
        return [f"its own metrics are unreadable: {exc}"]
    kept = keep_named(scraped.samples, PASSED_THROUGH)
    samples.extend(kept)
    version = first_label(kept, "alertmanager_build_info", "version")
    if version and "version" not in facts:
        facts["version"] = version
    reload_ok = single_value(kept, "alertmanager_config_last_reload_successful")
    if reload_ok is None:
        return [f"{cfg.metrics_path} has no alertmanager_config_last_reload_successful"]
    problems = []
    facts["config_reload"] = "ok" if reload_ok == 1 else "failed"
    if reload_ok != 1:
        problems.append("last config reload failed: the replica still runs its previous config")
    ratios = _failure_ratios(ctx.memory.get(CounterMemory), kept)
    for integration, (ratio, failed, attempted) in sorted(ratios.items()):
        samples.append(
            Sample(
                "watchdog_alertmanager_notifications_failed_ratio",
                ratio,
                {"integration": integration},
            )
        )
        if ratio > cfg.max_notification_failure_ratio:
            problems.append(
                f"{integration} notifications failing: {failed:g} of {attempted:g} failed "
                "since the last probe"
            )
    return problems


def _failure_ratios(
    memory: CounterMemory, kept: list[Sample]
) -> dict[str, tuple[float, float, float]]:
    """``integration -> (ratio, failed, attempted)`` over the interval since the last probe."""
    counters = [s for s in kept if s.name in (_ATTEMPTED, _FAILED)]
    increases = memory.increases(counters)
    if increases is None:
        return {}
    attempted: dict[str, float] = {}
    failed: dict[str, float] = {}
    for labels, delta in increases.items():
        sums = attempted if labels.name == _ATTEMPTED else failed
        integration = labels.get("integration", "")
        sums[integration] = sums.get(integration, 0.0) + delta
    return {
        name: (_ratio(failed.get(name, 0.0), tried), failed.get(name, 0.0), tried)
        for name, tried in attempted.items()
        if name
    }


def _ratio(failed: float, attempted: float) -> float:
    # No attempt in the interval means nothing failed; a reset between the two counters'
    # reads could make failed exceed attempted for one probe.
    return min(1.0, failed / attempted) if attempted > 0 else 0.0


KIND = ProbeKind(
    name="alertmanager",
    config=AlertmanagerTarget,
    run=probe_alertmanager,
    produces=PASSED_THROUGH | frozenset(_OWN),
    summary="Alertmanager: accepts alerts, healthy/ready, cluster peers, failing integrations",
)
