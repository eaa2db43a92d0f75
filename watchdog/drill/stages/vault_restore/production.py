"""Never restore into production: the DR cluster must not be a configured ``vault`` target.

A forced restore replaces all of a cluster's data, so the check is made twice. When the config
is loaded: the DR URL's host and port against every ``vault`` target's nodes (names compared
case-insensitively). When the drill runs: the addresses both resolve to, and the cluster id
each reports in ``/v1/sys/health`` — so an alias, a load balancer or a CNAME in front of
production is refused too.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from watchdog.config.targets import TargetSpec, instance_from_url
from watchdog.drill.stages.vault_restore.api import ApiError, VaultApi
from watchdog.probes.kinds.vault import VaultTarget

__all__ = ["production_nodes", "same_address", "same_cluster"]


def production_nodes(targets: Sequence[TargetSpec]) -> dict[str, str]:
    """Every configured ``vault`` node URL, with its target's job."""
    nodes: dict[str, str] = {}
    for spec in targets:
        if isinstance(spec.config, VaultTarget):
            for url in spec.config.nodes():
                nodes[url] = spec.job
    return nodes


def _endpoint(url: str) -> str:
    return instance_from_url(url).lower()


def same_address(dr_url: str, targets: Sequence[TargetSpec]) -> str | None:
    """The job of the ``vault`` target at the DR URL's host:port, if any (static check)."""
    wanted = _endpoint(dr_url)
    for url, job in production_nodes(targets).items():
        if _endpoint(url) == wanted:
            return job
    return None


async def _resolved(url: str) -> set[tuple[str, int]]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except OSError:
        return set()
    return {(str(info[4][0]), port) for info in infos}


async def same_cluster(
    dr: VaultApi, dr_url: str, targets: Sequence[TargetSpec], production: list[VaultApi]
) -> str | None:
    """Why the DR cluster is production after all (shared address or cluster id), else None."""
    mine = await _resolved(dr_url)
    for url, job in production_nodes(targets).items():
        if mine & await _resolved(url):
            return f"it resolves to the same address as the {job} target's node {url}"
    try:
        _status, own = await dr.health()
    except ApiError:
        return None  # unreachable: the restore itself will say so
    cluster = own.get("cluster_id")
    if not cluster:
        return None
    for api in production:
        try:
            _status, theirs = await api.health()
        except ApiError:
            continue  # production down: nothing to compare, the address check stands
        if theirs.get("cluster_id") == cluster:
            return f"it reports the same cluster id ({cluster}) as production node {api.shown()}"
    return None
