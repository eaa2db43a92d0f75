"""Reading ``/v1/sys/health`` answers: every documented status code and broken bodies.

The bodies follow Vault's documented health document (fields ``initialized``, ``sealed``,
``standby``, ``performance_standby``, replication modes, ``version``, ``cluster_name``,
``removed_from_cluster``, ``ha_connection_healthy``); codes OpenBao cannot produce here
(472, 473, 474, 530) are covered this way and end to end in test_vault.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from watchdog.probes.kinds.vault.health import (
    NodeHealthError,
    node_samples,
    parse_health,
    vault_errors,
)


def _body(**fields: Any) -> bytes:
    document = {
        "initialized": True,
        "sealed": False,
        "standby": False,
        "performance_standby": False,
        "replication_performance_mode": "disabled",
        "replication_dr_mode": "disabled",
        "server_time_utc": 1776823200,
        "version": "1.19.0",
        "cluster_name": "vault-cluster-a",
        "cluster_id": "1111",
        **fields,
    }
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("status", "fields", "state", "active", "problem"),
    [
        (200, {}, "active", True, None),
        (429, {"standby": True}, "standby", False, None),
        (472, {"replication_dr_mode": "secondary"}, "DR secondary", True, None),
        (472, {"standby": True, "replication_dr_mode": "secondary"}, "DR secondary", False, None),
        (473, {"standby": True, "performance_standby": True}, "performance standby", False, None),
        (
            474,
            {"standby": True, "ha_connection_healthy": False},
            "standby that cannot reach the active node",
            False,
            "n:8200 is a standby that cannot reach the active node",
        ),
        (
            501,
            {"initialized": False, "sealed": True},
            "not initialised",
            False,
            "n:8200 is not initialised",
        ),
        (503, {"sealed": True, "standby": True}, "sealed", False, "n:8200 is sealed"),
        (
            530,
            {"removed_from_cluster": True, "standby": True},
            "removed from the cluster",
            False,
            "n:8200 is removed from the cluster",
        ),
    ],
)
def test_documented_status_codes(
    status: int, fields: dict[str, Any], state: str, active: bool, problem: str | None
) -> None:
    """Each documented code maps to its state, activity and (for bad states) a problem."""
    health = parse_health("n:8200", status, _body(**fields))
    assert health.state == state
    assert health.active is active
    assert health.problem() == problem


def test_sealed_node_yields_vault_core_unsealed_zero() -> None:
    """The headline: a sealed node's series say unsealed 0, so VaultSealed can fire."""
    samples = {s.name: s for s in node_samples(parse_health("n:8200", 503, _body(sealed=True)))}
    assert samples["vault_core_unsealed"].value == 0
    assert samples["vault_core_unsealed"].labels == {"node": "n:8200"}
    assert samples["watchdog_vault_node_up"].value == 1
    assert samples["vault_core_active"].value == 0


def test_unknown_4xx_is_reachable_not_active_even_without_a_document() -> None:
    """A 4xx nobody documented (a proxy, a future code) is not 'down'."""
    health = parse_health("n:8200", 418, b"<html>teapot</html>")
    assert not health.active
    assert health.state == "reachable, not active (HTTP 418)"
    assert health.problem() is not None
    assert "HTTP 418: reachable, not active" in health.problem()  # type: ignore[operator]
    names = {s.name for s in node_samples(health)}
    assert names == {
        "watchdog_vault_node_up",
        "watchdog_vault_health_status_code",
        "vault_core_active",
    }


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"", "HTTP 200 with an empty body, not a Vault health document"),
        (503, b"<html>Service Unavailable</html>", "HTTP 503 with a body that is not JSON"),
        (200, b"[1, 2]", "HTTP 200 with JSON that is not an object"),
        (200, b'{"version": "1.0"}', "HTTP 200 with JSON lacking initialized, sealed, standby"),
        (
            200,
            b'{"initialized": 1, "sealed": false, "standby": false}',
            "HTTP 200: initialized must be",
        ),
        (
            500,
            b'{"errors":["1 error occurred:\\n\\t* storage unavailable\\n\\n"]}',
            "HTTP 500 with errors: storage unavailable",
        ),
    ],
)
def test_unreadable_answers_are_precise_errors(status: int, body: bytes, message: str) -> None:
    """Empty, HTML, wrong-shape and error bodies on non-4xx codes are named, not guessed."""
    with pytest.raises(NodeHealthError) as caught:
        parse_health("n:8200", status, body)
    assert str(caught.value).startswith(message)


def test_vault_multi_errors_become_one_line() -> None:
    """Vault's '1 error occurred:' framing and bullets are removed."""
    raw = ["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]
    assert vault_errors(raw) == "permission denied; invalid token"
