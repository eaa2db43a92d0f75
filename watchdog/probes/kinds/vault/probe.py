"""``vault``: seal state, HA role and health of Vault/OpenBao nodes, plus authenticated checks.

Every node's ``/v1/sys/health`` is read concurrently (unauthenticated, so it works while
sealed, when a sealed Vault's own metrics endpoint answers 503). That yields
``vault_core_unsealed`` and friends per node (label ``node``), which is what makes a rule
such as ``vault_core_unsealed == 0`` fire on a sealed Vault. With several nodes (``urls``)
the target also checks the cluster: exactly one active node, same cluster everywhere.
With a token, ``hvac`` checks run on a bounded thread pool (see ``vault_hvac``).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import model_validator

from watchdog.config.targets import instance_from_url
from watchdog.config.types import HttpUrl, Secret, SecretFile, pick_secret
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.httpclient import fetch
from watchdog.probes.httptarget import HttpTarget
from watchdog.probes.kinds.vault.auth import AuthFindings, AuthRequest, CanaryCheck
from watchdog.probes.kinds.vault.health import (
    NodeHealth,
    NodeHealthError,
    node_samples,
    parse_health,
)
from watchdog.probes.offload import OffloadBusyError, Offloader, OffloadTimeoutError
from watchdog.samples import Sample

__all__ = ["KIND", "VaultTarget"]

_HVAC_POOL: Offloader[AuthFindings] = Offloader("vault-hvac", max_threads=4)
_NODE_BUDGET = 0.8
"""Share of the probe timeout one node may take, so a hung node cannot hide the others."""


class VaultTarget(HttpTarget):
    """Settings of a ``vault`` target (OpenBao speaks the same API)."""

    kind: Literal["vault"]
    urls: list[HttpUrl] = []
    """Every node of an HA cluster; enables the cluster checks. ``url`` defaults to the first."""
    token: Secret | None = None
    token_file: SecretFile | None = None
    check_token: bool = True
    """With a token: look it up and report its TTL left."""
    canary: CanaryCheck | None = None
    raft: bool = False
    """With a token: raft configuration and autopilot state (integrated storage only)."""

    @model_validator(mode="before")
    @classmethod
    def _url_from_urls(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" not in data:
            urls = data.get("urls")
            if not urls:
                raise ValueError("one of url or urls is required")
            if isinstance(urls, list):
                data = {**data, "url": urls[0]}
        return data

    @model_validator(mode="after")
    def _checks_need_token(self) -> VaultTarget:
        token = pick_secret(self.token, self.token_file, "token", required=False)
        if token is None and (self.canary is not None or self.raft):
            wanted = "canary" if self.canary is not None else "raft"
            raise ValueError(f"{wanted} needs token or token_file")
        if len(set(self.urls)) != len(self.urls):
            raise ValueError("urls lists a node twice")
        return self

    def nodes(self) -> list[str]:
        """The node URLs whose health is read."""
        return list(self.urls) or [self.url]

    def node_names(self) -> dict[str, str]:
        """The ``node`` label of each node URL: ``host:port``, plus the path when two nodes
        share a host and port (behind one path-routing proxy)."""
        urls = self.nodes()
        plain = [instance_from_url(url) for url in urls]
        return {
            url: name if plain.count(name) == 1 else name + urlsplit(url).path.rstrip("/")
            for url, name in zip(urls, plain, strict=True)
        }

    def secret_token(self) -> str | None:
        """The Vault token, if configured."""
        token = self.token or self.token_file
        return token.get_secret_value() if token is not None else None


async def _node_health(
    ctx: ProbeContext[VaultTarget], url: str, node: str, budget: float
) -> NodeHealth:
    cfg = ctx.config
    try:
        async with asyncio.timeout(budget):
            response = await fetch(
                ctx.session,
                url.rstrip("/") + "/v1/sys/health",
                limit=ctx.body_size_limit,
                headers=cfg.request_headers(),
                ssl_context=cfg.ssl_context_for(url),
                server_hostname=cfg.server_hostname,
                allow_redirects=False,  # the node's own answer, not wherever it points
            )
    except TimeoutError:
        raise ProbeError(f"{node}: no answer from /v1/sys/health within {budget:.3g}s") from None
    try:
        return parse_health(node, response.status, response.body)
    except NodeHealthError as exc:
        raise ProbeError(f"{node}: /v1/sys/health answered {exc}") from None


def _cluster_problems(healths: list[NodeHealth]) -> list[str]:
    active = [h.node for h in healths if h.active]
    problems = []
    if not active:
        problems.append("no active node among " + ", ".join(h.node for h in healths))
    elif len(active) > 1:
        problems.append(f"{len(active)} nodes claim to be active: {', '.join(active)}")
    cluster_ids = sorted({h.cluster_id for h in healths if h.cluster_id})
    if len(cluster_ids) > 1:
        problems.append(f"nodes report {len(cluster_ids)} different cluster IDs")
    return problems


def _cluster_samples(configured: int, healths: list[NodeHealth]) -> list[Sample]:
    return [
        Sample("watchdog_vault_nodes", configured),
        Sample("watchdog_vault_nodes_reachable", len(healths)),
        Sample("watchdog_vault_nodes_active", sum(1 for h in healths if h.active)),
        Sample("watchdog_vault_nodes_sealed", sum(1 for h in healths if h.document and h.sealed)),
    ]


def _facts(healths: list[NodeHealth], unreachable: list[str]) -> dict[str, str]:
    if len(healths) == 1 and not unreachable:
        only = healths[0]
        facts = {"state": only.state, "sealed": "true" if only.sealed else "false"}
    else:
        states = [f"{h.node} {h.state}" for h in healths] + [
            f"{n} unreachable" for n in unreachable
        ]
        sealed = [h.node for h in healths if h.document and h.sealed]
        facts = {
            "nodes": ", ".join(states),
            "active": ", ".join(h.node for h in healths if h.active) or "none",
            "sealed": ", ".join(sealed) or "none",
        }
    replication = sorted(
        {
            f"{kind} {mode}"
            for h in healths
            for kind, mode in (
                ("DR", h.replication_dr_mode),
                ("performance", h.replication_performance_mode),
            )
            if mode not in ("", "disabled", "unknown")
        }
    )
    if replication:
        facts["replication"] = ", ".join(replication)
    versions = sorted({h.version for h in healths if h.version})
    clusters = sorted({h.cluster_name for h in healths if h.cluster_name})
    if versions:
        facts["version"] = ", ".join(versions)
    if clusters:
        facts["cluster_name"] = ", ".join(clusters)
    return facts


def _auth_request(
    cfg: VaultTarget, url: str, token: str, deadline: float, limit: int
) -> AuthRequest:
    tls = cfg.tls
    # requests would trust certifi's bundle; use the system store like the health check does.
    verify: bool | str = ssl.get_default_verify_paths().cafile or True
    cert = None
    if tls is not None:
        if tls.insecure_skip_verify:
            verify = False
        elif tls.ca_file is not None:
            verify = str(tls.ca_file)
        if tls.cert_file is not None and tls.key_file is not None:
            cert = (str(tls.cert_file), str(tls.key_file))
    return AuthRequest(
        url=url,
        token=token,
        verify=verify,
        cert=cert,
        headers={name: value.get_secret_value() for name, value in cfg.headers.items()},
        deadline=deadline,
        body_limit=limit,
        check_token=cfg.check_token,
        canary=cfg.canary,
        raft=cfg.raft,
    )


async def _authenticated(
    ctx: ProbeContext[VaultTarget], url: str, token: str, budget: float
) -> AuthFindings:
    if budget < 0.1:
        return AuthFindings(problems=["authenticated checks skipped: no time left in the probe"])
    # requests gives up a little before we stop waiting, so its precise error wins.
    request = _auth_request(
        ctx.config, url, token, time.monotonic() + budget * 0.9, ctx.body_size_limit
    )
    from watchdog.probes.kinds.vault.hvac import run_checks  # imports hvac: only when used

    try:
        return await _HVAC_POOL.run(ctx.spec.key, lambda: run_checks(request), budget)
    except (OffloadBusyError, OffloadTimeoutError) as exc:
        return AuthFindings(problems=[f"authenticated checks: {exc}"])


def _auth_url(cfg: VaultTarget, serving: list[NodeHealth], url_of: dict[str, str]) -> str:
    """The active node; else a separate cluster address (``url`` not among ``urls``);
    else the first unsealed node (a standby forwards to the active node, if any)."""
    active = [h for h in serving if h.active]
    if active:
        return url_of[active[0].node]
    if cfg.url not in cfg.nodes():
        return cfg.url
    return url_of[serving[0].node]


async def probe_vault(ctx: ProbeContext[VaultTarget]) -> ProbeResult:
    """Read every node's health, judge the cluster, then run the authenticated checks."""
    cfg = ctx.config
    started = time.monotonic()
    names = cfg.node_names()
    urls = list(names)
    budget = ctx.timeout * _NODE_BUDGET
    answers = await asyncio.gather(
        *(_node_health(ctx, url, names[url], budget) for url in urls), return_exceptions=True
    )
    samples: list[Sample] = []
    healths: list[NodeHealth] = []
    url_of: dict[str, str] = {}
    errors: list[str] = []
    unreachable: list[str] = []
    for url, answer in zip(urls, answers, strict=True):
        node = names[url]
        if isinstance(answer, NodeHealth):
            healths.append(answer)
            url_of[node] = url
            samples += node_samples(answer)
        elif isinstance(answer, ProbeError):
            errors.append(str(answer))
            unreachable.append(node)
            samples.append(Sample("watchdog_vault_node_up", 0, {"node": node}))
        else:
            raise answer
    if not healths:
        raise ProbeError(
            errors[0] if len(errors) == 1 else "no node answered: " + "; ".join(errors)
        )

    problems = [p for p in (h.problem() for h in healths) if p]
    problems += [f"unreachable: {error}" for error in errors]
    if cfg.urls:
        problems += _cluster_problems(healths)
        samples += _cluster_samples(len(urls), healths)
    facts = _facts(healths, unreachable)

    token = cfg.secret_token()
    if token is not None and (cfg.check_token or cfg.canary is not None or cfg.raft):
        serving = [h for h in healths if h.document and not h.sealed]
        if not serving:
            facts["authenticated_checks"] = "skipped: no unsealed node"
        else:
            url = _auth_url(cfg, serving, url_of)
            remaining = ctx.timeout * 0.95 - (time.monotonic() - started)
            findings = await _authenticated(ctx, url, token, remaining)
            samples += findings.samples
            problems += findings.problems
            facts.update(findings.facts)
    return ProbeResult(samples, failure="; ".join(problems) or None, facts=facts)


KIND = ProbeKind(
    name="vault",
    config=VaultTarget,
    run=probe_vault,
    produces=frozenset(
        {
            "vault_core_unsealed",
            "vault_core_active",
            "vault_core_performance_standby",
            "vault_autopilot_healthy",
            "vault_autopilot_failure_tolerance",
            "watchdog_vault_node_up",
            "watchdog_vault_health_status_code",
            "watchdog_vault_initialized",
            "watchdog_vault_standby",
            "watchdog_vault_removed_from_cluster",
            "watchdog_vault_build_info",
            "watchdog_vault_ha_connection_healthy",
            "watchdog_vault_clock_skew_seconds",
            "watchdog_vault_nodes",
            "watchdog_vault_nodes_reachable",
            "watchdog_vault_nodes_active",
            "watchdog_vault_nodes_sealed",
            "watchdog_vault_check_success",
            "watchdog_vault_check_duration_seconds",
            "watchdog_vault_token_ttl_seconds",
            "watchdog_vault_raft_peers",
            "watchdog_vault_raft_voters",
            "watchdog_vault_raft_leader",
        }
    ),
    summary="Vault/OpenBao: seal state and HA role per node, cluster checks, token/canary/raft",
)
