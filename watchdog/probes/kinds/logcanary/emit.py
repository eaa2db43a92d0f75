"""Put one canary line into the pipeline's input: a tailed file, an HTTP input, or syslog."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.probes.answers import reason_text
from watchdog.probes.base import ProbeError, describe_os_error
from watchdog.probes.kinds.logcanary.config import Emitter, FileEmit, HttpEmit
from watchdog.probes.kinds.logcanary.line import CanaryLine
from watchdog.probes.kinds.logcanary.syslog import send_syslog
from watchdog.redact import redact_url

if TYPE_CHECKING:
    import aiohttp

__all__ = ["EmitError", "emit"]


class EmitError(Exception):
    """The canary could not be handed to the pipeline input; the message says why."""


async def emit(
    session: aiohttp.ClientSession, cfg: Emitter, canary: CanaryLine, limit: int
) -> None:
    """Emit ``canary`` as configured, or raise EmitError."""
    if isinstance(cfg, FileEmit):
        await asyncio.to_thread(_append, cfg.path, canary.text, cfg.create)
    elif isinstance(cfg, HttpEmit):
        await _post(session, cfg, canary, limit)
    else:
        try:
            await send_syslog(cfg, canary)
        except OSError as exc:
            where = cfg.address or str(cfg.path)
            reason = describe_os_error(exc)
            raise EmitError(f"syslog {cfg.protocol} to {where} failed: {reason}") from None


def _append(path: Path, line: str, create: bool) -> None:
    flags = os.O_WRONLY | os.O_APPEND | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o640)
    except FileNotFoundError:
        what = "its directory does not exist" if create else "it does not exist (create: false)"
        raise EmitError(f"cannot append to {path}: {what}") from None
    except OSError as exc:
        raise EmitError(f"cannot append to {path}: {describe_os_error(exc)}") from None
    try:
        # One write(2) of a short line under O_APPEND: a tailing reader never sees half of it.
        os.write(fd, (line + "\n").encode())
    except OSError as exc:
        raise EmitError(f"cannot append to {path}: {describe_os_error(exc)}") from None
    finally:
        os.close(fd)


def _http_body(cfg: HttpEmit, canary: CanaryLine) -> tuple[bytes, dict[str, str]]:
    if cfg.format == "raw":
        return canary.text.encode(), {"Content-Type": "text/plain; charset=utf-8"}
    headers = {"Content-Type": "application/json"}
    if cfg.format == "json":
        return json.dumps({cfg.message_key: canary.text}).encode(), headers
    if cfg.tenant_id:
        headers["X-Scope-OrgID"] = cfg.tenant_id
    stream = {
        "stream": dict(cfg.stream_labels),
        "values": [[str(round(canary.emitted_at * 1e9)), canary.text]],
    }
    return json.dumps({"streams": [stream]}).encode(), headers


async def _post(
    session: aiohttp.ClientSession, cfg: HttpEmit, canary: CanaryLine, limit: int
) -> None:
    body, headers = _http_body(cfg, canary)
    try:
        response = await cfg.request(
            session, cfg.url, limit=limit, method="POST", headers=headers, data=body
        )
    except ProbeError as exc:
        raise EmitError(str(exc)) from None
    if not 200 <= response.status < 300:
        raise EmitError(
            f"{redact_url(cfg.url)} refused the canary: HTTP {response.status}: "
            f"{reason_text(response.body)}"
        )
