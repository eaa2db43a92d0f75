"""Certificate helpers shared by the ``tls``, ``certfile`` and ``crl`` probes.

Parsing uses the ``cryptography`` package; nothing here touches the network or the clock
(``now`` is always passed in), so every function is exact under test.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from watchdog.durations import format_duration

if TYPE_CHECKING:
    from cryptography import x509

# cryptography is imported where it is used: loading a config need not pay for it.

__all__ = [
    "CertificateParseError",
    "common_name",
    "describe_remaining",
    "hostname_matches",
    "iso_time",
    "load_certificates",
    "not_after",
    "san_names",
    "serial_hex",
]

_PEM_BLOCK = re.compile(
    rb"-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----.+?"
    rb"-----END (?:TRUSTED |X509 )?CERTIFICATE-----",
    re.DOTALL,
)


class CertificateParseError(ValueError):
    """The data holds no certificate, or a malformed one (the message says which)."""


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the single certificate of a DER file.

    Other PEM blocks (private keys, parameters) are ignored and never echoed.
    """
    from cryptography import x509

    blocks = _PEM_BLOCK.findall(data)
    if blocks:
        certs = []
        for number, block in enumerate(blocks, 1):
            try:
                certs.append(x509.load_pem_x509_certificate(block))
            except ValueError as exc:
                raise CertificateParseError(
                    f"PEM certificate #{number} is malformed: {exc}"
                ) from None
        return certs
    if b"-----BEGIN" in data:
        raise CertificateParseError("no CERTIFICATE block in the PEM data")
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise CertificateParseError("neither a PEM bundle nor a DER certificate") from None


def common_name(name: x509.Name) -> str:
    """The first CN of a name, or the RFC 4514 string when there is none."""
    from cryptography.x509.oid import NameOID

    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if values:
        value = values[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return name.rfc4514_string()


def serial_hex(cert: x509.Certificate) -> str:
    """The serial number as lowercase hex, the way ``openssl x509 -serial`` prints it."""
    return format(cert.serial_number, "x")


def not_after(cert: x509.Certificate) -> float:
    """Expiry as Unix seconds."""
    return cert.not_valid_after_utc.timestamp()


def iso_time(timestamp: float) -> str:
    """``2026-04-22T02:00:00Z`` for a Unix time."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_remaining(seconds: float) -> str:
    """``89d23h`` or ``5h30m12s`` for time left, ``expired 2d ago`` for time past."""
    if seconds < 0:
        return f"expired {_coarse(-seconds)} ago"
    return _coarse(seconds)


def _coarse(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    if days:
        hours = rest // 3600
        return f"{days}d{hours}h" if hours else f"{days}d"
    return format_duration(float(rest))


def san_names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) of the subjectAltName extension; empty when absent."""
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    dns = [str(v) for v in san.get_values_for_type(x509.DNSName)]
    ips = [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    return dns, ips


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    """Whether ``cert`` is valid for ``host`` (RFC 6125 rules, as TLS clients apply them).

    IP addresses match only IP SANs. Names match DNS SANs, with a wildcard allowed as the
    whole leftmost label only; the subject CN counts only when the certificate has no DNS SAN
    (what OpenSSL and Python's ``ssl`` do by default).
    """
    from cryptography.x509.oid import NameOID

    dns, ips = san_names(cert)
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        return any(ipaddress.ip_address(ip) == address for ip in ips)
    candidates: Iterable[str] = dns
    if not dns:
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        candidates = [str(attr.value) for attr in cn]
    wanted = host.rstrip(".").lower()
    return any(_dns_match(pattern.rstrip(".").lower(), wanted) for pattern in candidates)


def _dns_match(pattern: str, host: str) -> bool:
    if not pattern.startswith("*."):
        return pattern == host and "*" not in pattern
    suffix = pattern[1:]  # ".example.com"
    if "*" in suffix or suffix.count(".") < 2:
        return False  # no wildcards deeper in, and none directly under a public suffix
    label, _, rest = host.partition(".")
    return bool(label) and f".{rest}" == suffix
