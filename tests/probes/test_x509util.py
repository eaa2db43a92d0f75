"""Certificate helpers: parsing bundles and hostname matching as TLS clients do it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devstack.pki import Issued, chain_pem, issue, make_ca
from watchdog.probes.x509util import (
    CertificateParseError,
    describe_remaining,
    hostname_matches,
    load_certificates,
)

NOW = datetime(2026, 4, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> Issued:
    """A throwaway CA."""
    return make_ca("Helper CA", now=NOW)


def _leaf(ca: Issued, *names: str, cn: str | None = None) -> Issued:
    return issue(ca, list(names), not_before=NOW, not_after=NOW + timedelta(days=1), common_name=cn)


@pytest.mark.parametrize(
    ("names", "host", "expected"),
    [
        (["vault.example.com"], "vault.example.com", True),
        (["vault.example.com"], "VAULT.example.com.", True),
        (["*.example.com"], "vault.example.com", True),
        (["*.example.com"], "a.b.example.com", False),
        (["*.example.com"], "example.com", False),
        (["*.com"], "example.com", False),
        (["vault.example.com"], "other.example.com", False),
        (["10.0.0.5"], "10.0.0.5", True),
        (["10.0.0.5"], "10.0.0.6", False),
        (["vault.example.com"], "10.0.0.5", False),
        (["::1"], "[::1]", True),
    ],
)
def test_hostname_matching_follows_rfc6125(
    ca: Issued, names: list[str], host: str, expected: bool
) -> None:
    """DNS SANs with leftmost-label wildcards only; IPs match only IP SANs."""
    assert hostname_matches(_leaf(ca, *names).cert, host) is expected


def test_common_name_counts_only_without_dns_sans(ca: Issued) -> None:
    """The subject CN is a fallback for certificates without any DNS SAN."""
    assert hostname_matches(_leaf(ca, cn="legacy.example.com").cert, "legacy.example.com")
    with_san = _leaf(ca, "new.example.com", cn="legacy.example.com")
    assert not hostname_matches(with_san.cert, "legacy.example.com")


def test_pem_bundle_with_a_key_yields_only_certificates(ca: Issued) -> None:
    """Keys in the same file are skipped; every certificate is returned in order."""
    leaf = _leaf(ca, "a.example")
    certs = load_certificates(leaf.key_pem() + chain_pem(leaf, ca))
    assert [c.serial_number for c in certs] == [leaf.cert.serial_number, ca.cert.serial_number]


def test_der_certificate_is_read(ca: Issued) -> None:
    """A DER file holds exactly one certificate."""
    assert load_certificates(ca.cert_der())[0] == ca.cert


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"garbage", "neither a PEM bundle nor a DER certificate"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "no CERTIFICATE"),
        (
            b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
            "PEM certificate #1 is malformed",
        ),
    ],
)
def test_unusable_data_is_refused_with_the_reason(data: bytes, reason: str) -> None:
    """Garbage, key-only files and broken PEM blocks each get their own message."""
    with pytest.raises(CertificateParseError, match=reason):
        load_certificates(data)


def test_remaining_time_is_described_for_humans() -> None:
    """Days and hours for long spans, exact below a day, 'expired … ago' when past."""
    assert describe_remaining(3 * 86400 + 4 * 3600 + 59) == "3d4h"
    assert describe_remaining(5400) == "1h30m"
    assert describe_remaining(-2 * 86400) == "expired 2d ago"
