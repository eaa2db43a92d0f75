"""TLS on the daemon's own listener, decided per connection.

The guard admits a plain TCP connection first (so a flood of unfinished handshakes counts
against the connection limit and the header deadline like any other), then ``handshake``
upgrades it with the TLS policy in force at that moment: a reloaded web config applies to
the next connection, as exporter-toolkit's does, without re-binding the listener.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from watchdog.webconfig.tlsctx import allowed_san

__all__ = ["TlsPolicy", "TlsPolicySource", "handshake"]


@dataclass(frozen=True)
class TlsPolicy:
    """What a new connection is handshaken with."""

    context: ssl.SSLContext
    allowed_sans: frozenset[str] = frozenset()


TlsPolicySource = Callable[[], "TlsPolicy | None"]
"""The policy for the next connection; None: plain HTTP."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    text = f"{getattr(exc, 'reason', '')} {exc}".upper()
    if "PEER_DID_NOT_RETURN_A_CERTIFICATE" in text or "CERTIFICATE_REQUIRED" in text:
        return "no_client_cert"
    if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE" in text:
        return "client_cert_rejected"
    return "protocol"


async def handshake(
    raw: asyncio.Transport, protocol: asyncio.Protocol, policy: TlsPolicy, within: float
) -> asyncio.Transport | str:
    """The TLS transport for ``raw`` (``protocol`` receives its plaintext), or why not;
    the handshake must finish ``within`` seconds."""
    loop = asyncio.get_running_loop()
    try:
        secure = await loop.start_tls(
            raw, protocol, policy.context, server_side=True, ssl_handshake_timeout=within
        )
    except (OSError, TimeoutError, ConnectionError) as exc:
        raw.abort()
        return _reason(exc)
    if secure is None:  # the transport closed under us
        raw.abort()
        return "protocol"
    if not allowed_san(secure.get_extra_info("peercert"), policy.allowed_sans):
        secure.abort()
        return "client_san_not_allowed"
    return secure
