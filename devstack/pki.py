"""A small test PKI made with ``cryptography``: CAs, leaf certificates, CRLs, PEM files.

EC P-256 keys keep generation fast. Nothing here depends on pytest, so demos can reuse it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Issued", "TestPki", "chain_pem", "issue", "make_ca", "make_crl", "make_test_pki"]


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key (and the CA that signed it, if any)."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def cert_pem(self) -> bytes:
        """The certificate as PEM."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def cert_der(self) -> bytes:
        """The certificate as DER."""
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "monitor-watchdog tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str,
    *,
    now: datetime,
    days: float = 3650,
    issuer: Issued | None = None,
) -> Issued:
    """A CA certificate: self-signed, or an intermediate signed by ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.cert.subject if issuer else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def issue(
    ca: Issued,
    hostnames: Sequence[str],
    *,
    not_before: datetime,
    not_after: datetime,
    common_name: str | None = None,
    serial: int | None = None,
    client: bool = False,
) -> Issued:
    """A server certificate for ``hostnames`` (DNS names or IP addresses) signed by ``ca``;
    ``client=True``: a client certificate (TLS client authentication) instead."""
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            alt_names.append(x509.IPAddress(ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name or (hostnames[0] if hostnames else "leaf")))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def make_crl(
    ca: Issued,
    revoked_serials: Sequence[int],
    *,
    last_update: datetime,
    next_update: datetime,
    number: int = 1,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` revoking ``revoked_serials``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(last_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(last_update)
            .build()
        )
    return builder.sign(ca.key, hashes.SHA256())


def chain_pem(*certs: Issued) -> bytes:
    """Concatenated PEM certificates (leaf first)."""
    return b"".join(cert.cert_pem() for cert in certs)


@dataclass(frozen=True)
class TestPki:
    """The standard set of certificates the PKI probe tests use, written under ``directory``."""

    __test__ = False  # not a pytest test class

    directory: Path
    now: datetime
    ca: Issued
    intermediate: Issued
    valid: Issued
    expiring: Issued
    expired: Issued
    wrong_host: Issued
    untrusted_ca: Issued
    untrusted: Issued
    crl: x509.CertificateRevocationList

    @property
    def ca_file(self) -> Path:
        """PEM file with the trusted root."""
        return self.directory / "ca.pem"

    def write_server(self, name: str, *chain: Issued) -> tuple[Path, Path]:
        """Write ``chain`` (leaf first) and the leaf key; returns (cert file, key file)."""
        cert_file = self.directory / f"{name}.pem"
        key_file = self.directory / f"{name}-key.pem"
        cert_file.write_bytes(chain_pem(*chain))
        key_file.write_bytes(chain[0].key_pem())
        return cert_file, key_file


def make_test_pki(directory: Path, host: str = "localhost") -> TestPki:
    """A root CA, an intermediate, and leaves for ``host``: valid (90 d), expiring in 3 days,
    expired, issued for another host, and one from an untrusted CA; plus a CRL revoking the
    expired leaf. The root goes to ``ca.pem``."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    ca = make_ca("Test Root CA", now=now)
    intermediate = make_ca("Test Issuing CA", now=now, days=365, issuer=ca)
    hosts = [host, "127.0.0.1"]
    valid = issue(
        intermediate, hosts, not_before=now - timedelta(days=1), not_after=now + timedelta(days=90)
    )
    expiring = issue(
        intermediate, hosts, not_before=now - timedelta(days=1), not_after=now + timedelta(days=3)
    )
    expired = issue(
        intermediate, hosts, not_before=now - timedelta(days=30), not_after=now - timedelta(days=2)
    )
    wrong_host = issue(
        intermediate,
        ["other.example"],
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=90),
    )
    untrusted_ca = make_ca("Untrusted Root CA", now=now)
    untrusted = issue(
        untrusted_ca, hosts, not_before=now - timedelta(days=1), not_after=now + timedelta(days=90)
    )
    crl = make_crl(
        intermediate,
        [expired.cert.serial_number],
        last_update=now - timedelta(hours=1),
        next_update=now + timedelta(days=7),
    )
    (directory / "ca.pem").write_bytes(ca.cert_pem())
    return TestPki(
        directory,
        now,
        ca,
        intermediate,
        valid,
        expiring,
        expired,
        wrong_host,
        untrusted_ca,
        untrusted,
        crl,
    )
