"""Authenticated Vault checks through ``hvac``: token TTL, a canary secret, raft health.

The settings and findings live in ``vault.auth``, so loading a config does not import hvac.
hvac is synchronous (requests), so ``run_checks`` is blocking and is only ever called on
a bounded pool of daemon threads (``watchdog.probes.offload``). Every request carries a
``requests`` timeout that ends before the probe's own deadline, and bodies are size-capped,
so a hung or hostile Vault costs one failed check, never a thread pile-up or a memory spike.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any

import hvac
import hvac.exceptions
import requests

from watchdog.durations import format_duration
from watchdog.probes.kinds.vault.auth import AuthFindings, AuthRequest, CanaryCheck
from watchdog.probes.kinds.vault.health import vault_errors
from watchdog.redact import redact
from watchdog.samples import Sample

__all__ = ["AuthFindings", "AuthRequest", "CanaryCheck", "run_checks"]

_HVAC_STATUS = {
    "InvalidRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "InvalidPath": 404,
    "UnsupportedOperation": 405,
    "PreconditionFailed": 412,
    "RateLimitExceeded": 429,
    "InternalServerError": 500,
    "VaultNotInitialized": 501,
    "BadGateway": 502,
    "VaultDown": 503,
}


class _BodyTooLargeError(Exception):
    pass


class _CappedSession(requests.Session):
    """A requests session that refuses bodies over ``limit`` bytes instead of buffering them."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["stream"] = True
        response = super().request(method, url, *args, **kwargs)
        body = bytearray()
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > self.limit:
                response.close()
                raise _BodyTooLargeError(f"response body exceeds the {self.limit}-byte limit")
        response._content = bytes(body)
        return response


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, hvac.exceptions.VaultError):
        status = _HVAC_STATUS.get(type(exc).__name__)
        errors = vault_errors(exc.errors or exc.args[0] or "")
        prefix = f"HTTP {status}" if status else type(exc).__name__
        return f"{prefix}: {errors}" if errors else prefix
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:.3g}s"
    if isinstance(exc, requests.exceptions.SSLError):
        found = re.search(r"\[SSL: [A-Z_]+\] ([^(']+)", str(exc))
        return f"TLS error: {found.group(1).strip() if found else 'handshake failed'}"
    if isinstance(exc, requests.ConnectionError):
        found = re.search(r"\[Errno -?\d+\] ([^'\")]+)", str(exc))
        return (
            f"connection failed: {found.group(1).strip().lower()}" if found else "connection failed"
        )
    if isinstance(exc, _BodyTooLargeError):
        return str(exc)
    if isinstance(exc, ValueError):
        return f"invalid JSON in the answer: {exc}"
    return f"{type(exc).__name__}: {exc}"


class _Checker:
    def __init__(self, request: AuthRequest) -> None:
        self.request = request
        self.session = _CappedSession(request.body_limit)
        self.session.headers.update(request.headers)
        # hvac lets a passed session's own ``verify`` (requests' default: True, the system
        # store) override its ``verify`` argument, so the CA file must be set on the session.
        self.session.verify = request.verify
        self.session.cert = request.cert
        self.findings = AuthFindings()

    def client(self) -> hvac.Client:
        # A fresh client per call carries the time left as its requests timeout.
        remaining = self.request.deadline - time.monotonic()
        req = self.request
        return hvac.Client(
            url=req.url,
            token=req.token,
            verify=req.verify,
            cert=req.cert,
            timeout=max(remaining, 0.05),
            session=self.session,
        )

    def timed(self, check: str, call: Callable[[], None]) -> None:
        started = time.monotonic()
        timeout = max(self.request.deadline - started, 0.05)
        ok = True
        try:
            call()
        except Exception as exc:  # any failure of a check is that check's failure, reported
            ok = False
            reason = _describe(exc, timeout)
            if check == "raft" and isinstance(exc, hvac.exceptions.InvalidPath):
                reason += " (is the storage backend raft?)"
            self.findings.problems.append(f"{check}: {redact(reason)}")
        labels = {"check": check}
        self.findings.samples += [
            Sample("watchdog_vault_check_success", 1 if ok else 0, labels),
            Sample("watchdog_vault_check_duration_seconds", time.monotonic() - started, labels),
        ]

    def token(self) -> None:
        data = _data(self.client().auth.token.lookup_self())
        ttl = float(data.get("ttl") or 0)
        expires = data.get("expire_time") is not None or ttl > 0
        self.findings.samples.append(
            Sample("watchdog_vault_token_ttl_seconds", ttl if expires else math.inf)
        )
        self.findings.facts["token_ttl"] = format_duration(ttl) if expires else "never expires"

    def canary(self, canary: CanaryCheck) -> None:
        client = self.client()
        if canary.kv_version == 2:
            answer = _data(
                client.secrets.kv.v2.read_secret_version(
                    path=canary.path, mount_point=canary.mount, raise_on_deleted_version=True
                )
            )
            metadata = answer.get("metadata")
            version = metadata.get("version") if isinstance(metadata, dict) else None
            shown = f"readable (version {version})"
        else:
            _data(client.secrets.kv.v1.read_secret(path=canary.path, mount_point=canary.mount))
            shown = "readable"
        self.findings.facts["canary"] = f"{canary.mount}/{canary.path} {shown}"

    def raft(self) -> None:
        config = _data(self.client().sys.read_raft_config()).get("config")
        servers = [s for s in (config or {}).get("servers") or [] if isinstance(s, dict)]
        leaders = [str(s.get("node_id", "?")) for s in servers if s.get("leader")]
        answer = self.client().adapter.get("/v1/sys/storage/raft/autopilot/state")
        state = _lower_keys(_data(answer))
        healthy = state.get("healthy") is True
        voters = state.get("voters") or []
        self.findings.samples += [
            Sample("watchdog_vault_raft_peers", len(servers)),
            Sample("watchdog_vault_raft_voters", len(voters)),
            Sample("watchdog_vault_raft_leader", 1 if leaders else 0),
            Sample("vault_autopilot_healthy", 1 if healthy else 0),
            Sample("vault_autopilot_failure_tolerance", float(state.get("failure_tolerance") or 0)),
        ]
        self.findings.facts["raft_leader"] = ", ".join(leaders) or "none"
        self.findings.facts["raft_peers"] = str(len(servers))
        if not leaders:
            self.findings.problems.append("raft: the configuration has no leader")
        if not healthy:
            sick = [
                f"{name} ({_lower_keys(info).get('status', '?')})"
                for name, info in (state.get("servers") or {}).items()
                if isinstance(info, dict) and _lower_keys(info).get("healthy") is not True
            ]
            self.findings.problems.append(
                "raft: autopilot reports the cluster unhealthy"
                + (f": {', '.join(sorted(sick))}" if sick else "")
            )


def _data(answer: Any) -> dict[str, Any]:
    """The ``data`` object of a Vault answer. hvac hands back the raw Response when the
    body is not JSON, so that is checked here rather than trusted."""
    if not isinstance(answer, dict):
        status = getattr(answer, "status_code", "?")
        raise ValueError(f"HTTP {status} body is not a JSON object")
    data = answer.get("data")
    if not isinstance(data, dict):
        raise ValueError("the answer has no 'data' object")
    return data


def _lower_keys(value: Any) -> dict[str, Any]:
    """Older Vaults answer autopilot state in PascalCase, newer ones in snake_case."""
    if not isinstance(value, dict):
        return {}
    out = {}
    for key, item in value.items():
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in str(key)).lstrip("_")
        out[snake] = item
    return out


def run_checks(request: AuthRequest) -> AuthFindings:
    """Run the configured checks one after another; blocking (call it on a worker thread)."""
    checker = _Checker(request)
    try:
        if request.check_token:
            checker.timed("token", checker.token)
        if request.canary is not None:
            canary = request.canary
            checker.timed("canary", lambda: checker.canary(canary))
        if request.raft:
            checker.timed("raft", checker.raft)
    finally:
        checker.session.close()
    return checker.findings
