"""``crl``: a certificate revocation list (URL or file, DER or PEM): fresh and signed?

A CRL whose ``nextUpdate`` has passed makes relying parties fail closed (or, worse, open):
the series say when it was issued, when the next one is due and how many certificates it
revokes; with ``issuer_file`` its signature is verified against the issuing CA.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import model_validator

from watchdog.config.targets import TargetBase
from watchdog.config.tls import TLSConfig
from watchdog.config.types import ConfigPath, HttpUrl
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.httpclient import fetch
from watchdog.probes.httptarget import cached_ssl_context
from watchdog.probes.offload import (
    Offloader,
    read_small_file,
)
from watchdog.probes.x509util import (
    CertificateParseError,
    common_name,
    describe_remaining,
    iso_time,
    load_certificates,
)
from watchdog.redact import redact_url
from watchdog.samples import Sample

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["KIND", "CrlTarget", "load_crl"]

_FILES: Offloader[bytes] = Offloader("crl-read", max_threads=2)


class CrlTarget(TargetBase):
    """Settings of a ``crl`` target: exactly one of ``url`` or ``path``."""

    kind: Literal["crl"]
    url: HttpUrl | None = None
    path: ConfigPath | None = None
    tls: TLSConfig | None = None
    issuer_file: ConfigPath | None = None
    """The issuing CA certificate (PEM or DER); when set, the CRL signature is verified."""

    @model_validator(mode="after")
    def _one_source(self) -> CrlTarget:
        if (self.url is None) == (self.path is None):
            raise ValueError("set exactly one of url or path")
        if self.issuer_file is not None and not self.issuer_file.is_file():
            raise ValueError(f"issuer_file {self.issuer_file} does not exist")
        return self

    def default_instance(self) -> str:
        """The URL (without query) or the file path."""
        return redact_url(self.url) if self.url is not None else str(self.path)


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """Parse a PEM or DER CRL; ValueError with the reason when it is neither."""
    from cryptography import x509

    if b"-----BEGIN X509 CRL-----" in data:
        return x509.load_pem_x509_crl(data)
    if b"-----BEGIN" in data:
        raise ValueError("PEM data without an X509 CRL block")
    return x509.load_der_x509_crl(data)


async def _read(ctx: ProbeContext[CrlTarget]) -> tuple[str, bytes]:
    cfg = ctx.config
    if cfg.url is not None:
        ssl_context = cached_ssl_context(cfg.tls) if cfg.url.startswith("https") else None
        response = await fetch(
            ctx.session, cfg.url, limit=ctx.body_size_limit, ssl_context=ssl_context
        )
        shown = redact_url(cfg.url)
        if response.status != 200:
            raise ProbeError(f"{shown} answered HTTP {response.status}")
        return shown, response.body
    path = cfg.path
    assert path is not None  # the validator guarantees exactly one source
    return str(path), await _read_file(ctx, path)


async def _read_file(ctx: ProbeContext[CrlTarget], path: Path) -> bytes:
    limit = ctx.body_size_limit
    return await _FILES.run_in_probe(
        str(path), lambda: read_small_file(path, limit), ctx.timeout * 0.4, f"reading {path}"
    )


def _signature_problem(
    crl: x509.CertificateRevocationList, issuer_file: Path, data: bytes
) -> str | None:
    try:
        issuers = load_certificates(data)
    except CertificateParseError as exc:
        return f"cannot use issuer_file {issuer_file}: {exc}"
    issuer = issuers[0]
    if crl.issuer != issuer.subject:
        return (
            f"CRL issuer {crl.issuer.rfc4514_string()} is not the issuer_file subject "
            f"{issuer.subject.rfc4514_string()}"
        )
    if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        return f"CRL signature does not verify with the key of {common_name(issuer.subject)}"
    return None


async def probe_crl(ctx: ProbeContext[CrlTarget]) -> ProbeResult:
    """Fetch and parse the CRL; judge its freshness and, optionally, its signature."""
    from cryptography import x509

    cfg = ctx.config
    source, data = await _read(ctx)
    try:
        crl = load_crl(data)
    except ValueError as exc:
        raise ProbeError(f"{source} is not a CRL: {exc}") from None
    now = ctx.clock.now()
    last = crl.last_update_utc.timestamp()
    samples = [
        Sample("watchdog_crl_last_update_timestamp_seconds", last),
        Sample("watchdog_crl_age_seconds", now - last),
        Sample("watchdog_crl_revoked_certificates", len(crl)),
    ]
    facts = {
        "issuer": crl.issuer.rfc4514_string(),
        "last_update": iso_time(last),
        "revoked": str(len(crl)),
    }
    problems = []
    next_update = crl.next_update_utc
    if next_update is None:
        facts["next_update"] = "not set"
    else:
        due = next_update.timestamp()
        samples += [
            Sample("watchdog_crl_next_update_timestamp_seconds", due),
            Sample("watchdog_crl_next_update_in_seconds", due - now),
        ]
        facts["next_update"] = iso_time(due)
        if due <= now:
            overdue = describe_remaining(due - now).removeprefix("expired ")
            problems.append(f"CRL is stale: nextUpdate {iso_time(due)} passed {overdue}")
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        samples.append(Sample("watchdog_crl_number", number))
    except x509.ExtensionNotFound:
        pass
    if cfg.issuer_file is not None:
        issuer_data = await _read_file(ctx, cfg.issuer_file)
        problem = _signature_problem(crl, cfg.issuer_file, issuer_data)
        samples.append(Sample("watchdog_crl_signature_valid", 0 if problem else 1))
        facts["signature"] = "ok" if problem is None else "invalid"
        if problem:
            problems.append(problem)
    return ProbeResult(samples, failure="; ".join(problems) or None, facts=facts)


KIND = ProbeKind(
    name="crl",
    config=CrlTarget,
    run=probe_crl,
    produces=frozenset(
        {
            "watchdog_crl_last_update_timestamp_seconds",
            "watchdog_crl_age_seconds",
            "watchdog_crl_revoked_certificates",
            "watchdog_crl_next_update_timestamp_seconds",
            "watchdog_crl_next_update_in_seconds",
            "watchdog_crl_number",
            "watchdog_crl_signature_valid",
        }
    ),
    summary="Certificate revocation list (URL or file): next/last update, revoked count, signature",
)
