"""Understand one node's answer to ``GET /v1/sys/health`` (Vault and OpenBao alike).

Documented default status codes: 200 active, 429 unsealed standby, 472 DR secondary,
473 performance standby, 474 standby that cannot reach the active node, 501 not
initialised, 503 sealed, 530 removed from the cluster. Vault sends a JSON health document
with every one of them; the status code decides the state, the document adds detail.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from watchdog.samples import Sample

__all__ = ["NodeHealth", "NodeHealthError", "node_samples", "parse_health", "vault_errors"]

_STATE_BY_STATUS = {
    200: "active",
    429: "standby",
    472: "DR secondary",
    473: "performance standby",
    474: "standby that cannot reach the active node",
    501: "not initialised",
    503: "sealed",
    530: "removed from the cluster",
}
_BODY_PREVIEW = 80


def vault_errors(errors: object) -> str:
    """Vault's ``errors`` list as one line (its multi-error framing and bullets removed)."""
    items = errors if isinstance(errors, list) else [errors]
    lines = []
    for item in items:
        for raw in str(item).splitlines():
            line = raw.strip().removeprefix("* ").strip()
            if line and not re.fullmatch(r"\d+ errors? occurred:", line):
                lines.append(line)
    return "; ".join(lines)[:300]


class NodeHealthError(Exception):
    """The node answered, but not with something we can read as Vault health."""


@dataclass(frozen=True)
class NodeHealth:
    """What one node said about itself."""

    node: str
    status: int
    document: bool
    """False when a 4xx came without a readable health document (reachable, not active)."""
    initialized: bool = False
    sealed: bool = False
    standby: bool = False
    performance_standby: bool = False
    version: str = ""
    cluster_name: str = ""
    cluster_id: str = ""
    replication_dr_mode: str = ""
    replication_performance_mode: str = ""
    ha_connection_healthy: bool | None = None
    clock_skew_ms: float | None = None
    removed: bool = False
    body_problem: str = ""

    @property
    def active(self) -> bool:
        """The node serves requests itself (200, or the active node of a DR secondary)."""
        if self.status == 200:
            return True
        return self.status == 472 and self.document and not self.standby and not self.sealed

    @property
    def state(self) -> str:
        """A short human description of the node's state."""
        if self.status in _STATE_BY_STATUS:
            return _STATE_BY_STATUS[self.status]
        return f"reachable, not active (HTTP {self.status})"

    def problem(self) -> str | None:
        """Why this node is unhealthy, or None when its state is a normal one."""
        if self.removed:
            return f"{self.node} is removed from the cluster"
        if self.document and not self.initialized:
            return f"{self.node} is not initialised"
        if self.sealed:
            return f"{self.node} is sealed"
        if self.status == 474:
            return f"{self.node} is a standby that cannot reach the active node"
        if self.status not in _STATE_BY_STATUS:
            detail = f" ({self.body_problem})" if self.body_problem else ""
            return f"{self.node} answered HTTP {self.status}: reachable, not active{detail}"
        return None


def _preview(body: bytes) -> str:
    text = body[:_BODY_PREVIEW].decode("utf-8", "replace")
    return repr(text) + ("…" if len(body) > _BODY_PREVIEW else "")


def _document(status: int, body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise NodeHealthError(f"HTTP {status} with an empty body, not a Vault health document")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NodeHealthError(
            f"HTTP {status} with a body that is not JSON ({exc.__class__.__name__}: {exc}): "
            f"{_preview(body)}"
        ) from None
    if not isinstance(data, dict):
        raise NodeHealthError(f"HTTP {status} with JSON that is not an object: {_preview(body)}")
    missing = [key for key in ("initialized", "sealed", "standby") if key not in data]
    if missing:
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            raise NodeHealthError(f"HTTP {status} with errors: {vault_errors(errors)}")
        raise NodeHealthError(
            f"HTTP {status} with JSON lacking {', '.join(missing)}: not a Vault health document"
        )
    wrong = [k for k in ("initialized", "sealed", "standby") if not isinstance(data[k], bool)]
    if wrong:
        raise NodeHealthError(f"HTTP {status}: {', '.join(wrong)} must be true or false")
    return data


def parse_health(node: str, status: int, body: bytes) -> NodeHealth:
    """Interpret one health answer; raises NodeHealthError when it cannot be read.

    A 4xx without a readable document still proves the node reachable (a proxy or an
    unknown Vault code): it is reported as reachable and not active, never as down.
    """
    try:
        data = _document(status, body)
    except NodeHealthError as exc:
        if 400 <= status < 500:
            return NodeHealth(node, status, document=False, body_problem=str(exc))
        raise
    text = {k: str(data.get(k) or "") for k in ("version", "cluster_name", "cluster_id")}
    ha_ok = data.get("ha_connection_healthy")
    skew = data.get("clock_skew_ms")
    return NodeHealth(
        node=node,
        status=status,
        document=True,
        initialized=data["initialized"] and status != 501,
        sealed=data["sealed"] or status in (501, 503),
        standby=data["standby"],
        performance_standby=bool(data.get("performance_standby")) or status == 473,
        version=text["version"],
        cluster_name=text["cluster_name"],
        cluster_id=text["cluster_id"],
        replication_dr_mode=str(data.get("replication_dr_mode") or ""),
        replication_performance_mode=str(data.get("replication_performance_mode") or ""),
        ha_connection_healthy=ha_ok if isinstance(ha_ok, bool) else None,
        clock_skew_ms=float(skew) if isinstance(skew, int | float) else None,
        removed=status == 530 or data.get("removed_from_cluster") is True,
    )


def node_samples(health: NodeHealth) -> list[Sample]:
    """Series for one node that answered (each labelled ``node``)."""
    node = {"node": health.node}
    samples = [
        Sample("watchdog_vault_node_up", 1, node),
        Sample("watchdog_vault_health_status_code", health.status, node),
        Sample("vault_core_active", 1 if health.active else 0, node),
    ]
    if not health.document:
        return samples
    samples += [
        Sample("vault_core_unsealed", 0 if health.sealed else 1, node),
        Sample("vault_core_performance_standby", 1 if health.performance_standby else 0, node),
        Sample("watchdog_vault_initialized", 1 if health.initialized else 0, node),
        Sample("watchdog_vault_standby", 1 if health.standby and not health.active else 0, node),
        Sample("watchdog_vault_removed_from_cluster", 1 if health.removed else 0, node),
        Sample(
            "watchdog_vault_build_info",
            1,
            {
                **node,
                "version": health.version,
                "cluster_name": health.cluster_name,
                "replication_dr_mode": health.replication_dr_mode,
                "replication_performance_mode": health.replication_performance_mode,
            },
        ),
    ]
    if health.ha_connection_healthy is not None:
        samples.append(
            Sample("watchdog_vault_ha_connection_healthy", int(health.ha_connection_healthy), node)
        )
    if health.clock_skew_ms is not None:
        samples.append(
            Sample("watchdog_vault_clock_skew_seconds", health.clock_skew_ms / 1000, node)
        )
    return samples
