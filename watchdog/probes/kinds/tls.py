"""``tls``: the certificate chain a TLS endpoint presents: expiry, trust, hostname.

One verifying handshake (OpenSSL, as real clients do) against ``ca_file`` or the system
store. When verification fails, a second handshake without verification fetches the chain
so expiry and names are still reported. The hostname is checked separately (RFC 6125, see
``x509util.hostname_matches``), so a wrong name and an untrusted chain are told apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import field_validator

from watchdog.config.targets import TargetBase, split_address
from watchdog.config.types import ConfigPath
from watchdog.probes.base import (
    ProbeContext,
    ProbeError,
    ProbeKind,
    ProbeResult,
    describe_os_error,
)
from watchdog.probes.x509util import (
    common_name,
    describe_remaining,
    hostname_matches,
    iso_time,
    not_after,
    san_names,
    serial_hex,
)
from watchdog.samples import Sample

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["KIND", "TlsProbeTarget", "presented_chain"]


class TlsProbeTarget(TargetBase):
    """Settings of a ``tls`` target."""

    kind: Literal["tls"]
    address: str
    server_name: str | None = None
    """SNI sent and name the certificate must match (default: the host of ``address``)."""
    ca_file: ConfigPath | None = None
    """CA bundle the chain must verify against (default: the system trust store)."""

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        split_address(value)
        return value

    @field_validator("ca_file")
    @classmethod
    def _ca_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"ca_file {value} does not exist")
        return value

    def default_instance(self) -> str:
        """The address itself."""
        return self.address


@lru_cache(maxsize=64)
def _verifying_context(ca_file: str | None, _mtime_ns: int) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = False  # checked separately, so the two failures stay distinct
    return context


@lru_cache(maxsize=1)
def _fetching_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def presented_chain(ssl_object: Any) -> list[bytes]:
    """DER certificates the peer sent, leaf first.

    Python 3.13 has ``get_unverified_chain()``; 3.11 and 3.12 have it on the private
    ``_sslobj``. Without either, only the leaf is known.
    """
    getter = getattr(ssl_object, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(ssl_object, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        chain = getter() or []
        return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]
    leaf = ssl_object.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _ssl_reason(exc: ssl.SSLError) -> str:
    """``[SSL: WRONG_VERSION_NUMBER] wrong version number`` without the C source location."""
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    return re.sub(r"\s*\(_ssl\.c:\d+\)$", "", text) or str(exc.reason)


@dataclass(frozen=True)
class _Handshake:
    chain: list[bytes]
    version: str


async def _handshake(
    host: str, port: int, sni: str, context: ssl.SSLContext, budget: float
) -> _Handshake:
    address = f"{host}:{port}"
    try:
        async with asyncio.timeout(budget):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=sni
            )
    except TimeoutError:
        raise ProbeError(
            f"TLS handshake with {address} did not complete within {budget:.3g}s"
        ) from None
    except ssl.SSLCertVerificationError:
        raise
    except ssl.SSLError as exc:
        raise ProbeError(f"TLS handshake with {address} failed: {_ssl_reason(exc)}") from None
    except OSError as exc:
        raise ProbeError(f"connect to {address} failed: {describe_os_error(exc)}") from None
    ssl_object = writer.get_extra_info("ssl_object")
    result = _Handshake(presented_chain(ssl_object), ssl_object.version() or "unknown")
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    return result


def _cert_samples(position: int, cert: x509.Certificate) -> Sample:
    return Sample(
        "watchdog_tls_cert_not_after_timestamp_seconds",
        not_after(cert),
        {
            "position": str(position),
            "subject_cn": common_name(cert.subject),
            "issuer_cn": common_name(cert.issuer),
            "serial": serial_hex(cert),
        },
    )


async def probe_tls(ctx: ProbeContext[TlsProbeTarget]) -> ProbeResult:
    """Handshake, then judge expiry, trust and hostname of the presented chain."""
    from cryptography import x509

    cfg = ctx.config
    host, port = split_address(cfg.address)
    name = cfg.server_name or host
    budget = ctx.timeout * 0.45  # room for the second handshake when verification fails
    ca = str(cfg.ca_file) if cfg.ca_file else None
    mtime = cfg.ca_file.stat().st_mtime_ns if cfg.ca_file and cfg.ca_file.exists() else 0
    verify_error: str | None = None
    try:
        shake = await _handshake(host, port, name, _verifying_context(ca, mtime), budget)
    except ssl.SSLCertVerificationError as exc:
        verify_error = str(exc.verify_message or exc.reason or exc)
        shake = await _handshake(host, port, name, _fetching_context(), budget)
    if not shake.chain:
        raise ProbeError(f"{cfg.address} presented no certificate")
    try:
        chain = [x509.load_der_x509_certificate(der) for der in shake.chain]
    except ValueError as exc:
        raise ProbeError(f"{cfg.address} presented a malformed certificate: {exc}") from None

    now = ctx.clock.now()
    leaf = chain[0]
    earliest = min(chain, key=not_after)
    matches = hostname_matches(leaf, name)
    samples = [
        Sample("probe_ssl_earliest_cert_expiry", not_after(earliest)),
        Sample("watchdog_tls_expires_in_seconds", not_after(earliest) - now),
        Sample("watchdog_tls_chain_verified", 0 if verify_error else 1),
        Sample("watchdog_tls_hostname_match", 1 if matches else 0),
        Sample("probe_tls_version_info", 1, {"version": shake.version}),
    ]
    samples += [_cert_samples(i, cert) for i, cert in enumerate(chain)]
    facts = {
        "subject": leaf.subject.rfc4514_string(),
        "issuer": leaf.issuer.rfc4514_string(),
        "serial": serial_hex(leaf),
        "not_after": iso_time(not_after(leaf)),
        "expires_in": describe_remaining(not_after(earliest) - now),
        "verify": verify_error or "ok",
        "tls_version": shake.version,
    }
    problems = []
    if not_after(earliest) <= now:
        problems.append(
            f"certificate {common_name(earliest.subject)} "
            f"{describe_remaining(not_after(earliest) - now)}"
        )
    if verify_error:
        store = ca or "the system trust store"
        problems.append(f"chain does not verify against {store}: {verify_error}")
    if not matches:
        dns, ips = san_names(leaf)
        listed = ", ".join(dns + ips) or f"CN {common_name(leaf.subject)}"
        problems.append(f"certificate is not valid for {name} (it names {listed})")
        facts["hostname"] = f"mismatch: {name}"
    else:
        facts["hostname"] = f"matches {name}"
    return ProbeResult(samples, failure="; ".join(problems) or None, facts=facts)


KIND = ProbeKind(
    name="tls",
    config=TlsProbeTarget,
    run=probe_tls,
    produces=frozenset(
        {
            "probe_ssl_earliest_cert_expiry",
            "probe_tls_version_info",
            "watchdog_tls_expires_in_seconds",
            "watchdog_tls_chain_verified",
            "watchdog_tls_hostname_match",
            "watchdog_tls_cert_not_after_timestamp_seconds",
        }
    ),
    summary="TLS endpoint: certificate expiry, chain trust, hostname match",
)
