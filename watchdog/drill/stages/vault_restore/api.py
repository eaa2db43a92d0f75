"""The few Vault/OpenBao API calls a restore needs, over aiohttp, each bounded and size-capped.

``/v1/sys/init``, ``/v1/sys/unseal``, ``/v1/sys/seal``, ``/v1/sys/health``,
``/v1/sys/storage/raft/snapshot-force`` (the snapshot streamed from disk, never held in
memory) and plain reads. Errors say what was asked and what came back, redacted.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from pathlib import Path
from typing import Any

import aiohttp

from watchdog.httperrors import describe_http_failure
from watchdog.probes.kinds.vault.health import vault_errors
from watchdog.redact import redact, redact_url

__all__ = ["ApiError", "VaultApi", "vault_answer"]

_BODY_LIMIT = 4 * 1024 * 1024
_POLL = 0.25


class ApiError(Exception):
    """A call failed; the message says which and why (no secrets)."""


class VaultApi:
    """One server's API at ``url``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        timeout: float,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._server_hostname = server_hostname

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        data: Any = None,
        timeout: float | None = None,  # noqa: ASYNC109 - one request's bound, not the caller's
    ) -> tuple[int, Any]:
        """(status, parsed JSON or None); transport failures raise ApiError."""
        headers = {"X-Vault-Token": token} if token else {}
        limit = timeout or self.timeout
        try:
            async with asyncio.timeout(limit):
                async with self.session.request(
                    method,
                    f"{self.url}{path}",
                    headers=headers,
                    json=body,
                    data=data,
                    ssl=self._ssl,
                    server_hostname=self._server_hostname,
                    allow_redirects=False,
                ) as response:
                    raw = await response.content.read(_BODY_LIMIT)
                    status = response.status
        except TimeoutError:
            raise ApiError(f"{method} {path}: no answer within {limit:.3g}s") from None
        except (aiohttp.ClientError, OSError) as exc:
            reason = describe_http_failure(exc) or type(exc).__name__
            raise ApiError(f"{method} {path}: {reason}") from None
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            parsed = raw[:200].decode("utf-8", errors="replace")
        return status, parsed

    async def expect(self, method: str, path: str, **kw: Any) -> Any:
        """``call`` that raises ApiError unless the answer is 2xx; the parsed body."""
        status, body = await self.call(method, path, **kw)
        if not 200 <= status < 300:
            raise ApiError(f"{method} {path}: HTTP {status}{vault_answer(body)}")
        return body

    async def health(self) -> tuple[int, dict[str, Any]]:
        """``/v1/sys/health`` status (200 active, 503 sealed, 501 not initialised …) and body."""
        status, body = await self.call("GET", "/v1/sys/health")
        return status, body if isinstance(body, dict) else {}

    async def initialize(self, *, auto_unseal: bool) -> tuple[list[str], str]:
        """Initialise with one key share (recovery share with auto-unseal): (keys, root)."""
        shares = (
            {"recovery_shares": 1, "recovery_threshold": 1}
            if auto_unseal
            else {"secret_shares": 1, "secret_threshold": 1}
        )
        body = await self.expect("PUT", "/v1/sys/init", body=shares)
        keys = [str(k) for k in body.get("keys") or []]
        return keys, str(body["root_token"])

    async def unseal(self, keys: list[str]) -> None:
        """Submit unseal keys until the server reports unsealed (ApiError if it does not)."""
        for key in keys:
            body = await self.expect("PUT", "/v1/sys/unseal", body={"key": key})
            if isinstance(body, dict) and body.get("sealed") is False:
                return
        raise ApiError(f"still sealed after {len(keys)} unseal key(s): too few, or wrong keys")

    async def seal(self, token: str) -> None:
        """``PUT /v1/sys/seal``."""
        await self.expect("PUT", "/v1/sys/seal", token=token)

    async def restore(self, snapshot: Path, token: str, limit: float) -> None:
        """Force-restore ``snapshot`` (streamed from disk) into this server."""
        with snapshot.open("rb") as handle:
            await self.expect(
                "POST",
                "/v1/sys/storage/raft/snapshot-force",
                token=token,
                data=handle,
                timeout=limit,
            )

    async def wait_health(self, wanted: int, until: float) -> str:
        """Poll health until it answers ``wanted`` (returns ""), else the last answer by ``until``
        (``time.monotonic()``)."""
        last = "no answer yet"
        while True:
            try:
                status, body = await self.health()
                if status == wanted:
                    return ""
                sealed = body.get("sealed")
                last = f"health HTTP {status}" + (" (sealed)" if sealed else "")
            except ApiError as exc:
                last = str(exc)
            if time.monotonic() >= until:
                return last
            await asyncio.sleep(_POLL)

    def shown(self) -> str:
        """The URL, safe to print."""
        return redact_url(self.url)


def vault_answer(body: Any) -> str:
    """``: <Vault's errors>`` from an answer body (redacted, one line), or ""."""
    if isinstance(body, dict) and body.get("errors") is not None:
        text = vault_errors(body["errors"])
    elif isinstance(body, str):
        text = body.strip()
    else:
        text = ""
    return f": {redact(' '.join(text.split())[:300])}" if text else ""
