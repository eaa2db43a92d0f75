"""Reads against the restored data: the canary secret (the seed's ``vault kv get secret/dr-test``)
and extra checks (``vault read database/creds/readonly``). Values are never shown.

A read that creates a lease (dynamic credentials) is revoked at once: the drill must not leave
database users behind. The canary is polled until the deadline while the server answers 5xx
(a node just unsealed may need a moment); 403 and 404 are final.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from watchdog.drill.outcome import Step
from watchdog.drill.stages.vault_restore.api import ApiError, VaultApi, vault_answer
from watchdog.drill.stages.vault_restore.settings import ReadCheck
from watchdog.probes.kinds.vault.hvac import CanaryCheck

__all__ = ["canary_path", "read_canary", "read_checks"]

_POLL = 0.25
_FINAL = {400, 401, 403, 404, 405}


def canary_path(canary: CanaryCheck) -> str:
    """The API path of the canary secret (KV v2 reads go through ``data/``)."""
    if canary.kv_version == 2:
        return f"/v1/{canary.mount}/data/{canary.path}"
    return f"/v1/{canary.mount}/{canary.path}"


async def read_canary(api: VaultApi, canary: CanaryCheck, token: str, deadline: float) -> str:
    """ "" once the canary was read; otherwise the last answer at ``deadline`` (monotonic)."""
    path = canary_path(canary)
    while True:
        try:
            status, body = await api.call("GET", path, token=token)
        except ApiError as exc:
            last = str(exc)
        else:
            if status == 200 and isinstance(body, dict) and body.get("data") is not None:
                return ""
            last = f"GET {path}: HTTP {status}{vault_answer(body)}"
            if status in _FINAL:
                return last
        if time.monotonic() >= deadline:
            return last
        await asyncio.sleep(_POLL)


async def read_checks(api: VaultApi, checks: Sequence[ReadCheck], token: str) -> list[Step]:
    """One step per extra read (each must answer 200), leases revoked."""
    steps = []
    for check in checks:
        path = f"/v1/{check.path}"
        began = time.monotonic()
        try:
            status, body = await api.call("GET", path, token=token)
        except ApiError as exc:
            steps.append(Step(f"read {check.path}", False, None, str(exc)))
            continue
        took = time.monotonic() - began
        if status != 200:
            steps.append(
                Step(f"read {check.path}", False, took, f"HTTP {status}{vault_answer(body)}")
            )
            continue
        note = await _revoke(api, body, token)
        steps.append(Step(f"read {check.path}", True, took, f"HTTP 200{note}"))
    return steps


async def _revoke(api: VaultApi, body: Any, token: str) -> str:
    lease = body.get("lease_id") if isinstance(body, dict) else None
    if not lease:
        return ""
    try:
        await api.expect("PUT", "/v1/sys/leases/revoke", token=token, body={"lease_id": lease})
    except ApiError as exc:
        return f"; its lease was NOT revoked ({exc}): it ends with its TTL"
    return "; its lease was revoked"
