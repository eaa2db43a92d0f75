"""The ``tls`` probe against real TLS listeners serving certificates made in the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.pki import TestPki, make_test_pki
from devstack.procs import free_port
from tests.support.hostile import GarbageTcpServer, HangTcpServer
from tests.support.probe_harness import config_issues, run_target, value, values
from tests.support.tlsserver import TlsServer
from watchdog.clock import FakeClock


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """The standard test PKI (root, intermediate, leaves)."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def servers(pki: TestPki) -> Iterator[dict[str, TlsServer]]:
    """One TLS listener per leaf, each sending leaf + intermediate."""
    leaves = {
        "valid": pki.valid,
        "expiring": pki.expiring,
        "expired": pki.expired,
        "wrong_host": pki.wrong_host,
    }
    running = {}
    for name, leaf in leaves.items():
        running[name] = TlsServer(*pki.write_server(name, leaf, pki.intermediate))
    running["untrusted"] = TlsServer(*pki.write_server("untrusted", pki.untrusted))
    yield running
    for server in running.values():
        server.stop()


def _target(address: str, **extra: object) -> dict[str, object]:
    return {"job": "pki", "kind": "tls", "address": address, **extra}


async def test_valid_chain_verifies_and_reports_the_earliest_expiry(
    pki: TestPki, servers: dict[str, TlsServer]
) -> None:
    """A trusted leaf for the right host is a success; the earliest expiry is the leaf's."""
    outcome = await run_target(
        _target(servers["valid"].address, server_name="localhost", ca_file=str(pki.ca_file))
    )
    assert outcome.up, outcome.error
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_tls_chain_verified") == 1
    assert value(outcome, "watchdog_tls_hostname_match") == 1
    leaf_expiry = pki.valid.cert.not_valid_after_utc.timestamp()
    assert value(outcome, "probe_ssl_earliest_cert_expiry") == leaf_expiry
    assert 89 * 86400 < value(outcome, "watchdog_tls_expires_in_seconds") <= 90 * 86400
    assert len(values(outcome, "watchdog_tls_cert_not_after_timestamp_seconds")) == 2
    assert value(outcome, "probe_tls_version_info", version="TLSv1.3") == 1
    assert outcome.facts["serial"] == format(pki.valid.cert.serial_number, "x")
    assert "Test Issuing CA" in outcome.facts["issuer"]
    assert outcome.facts["verify"] == "ok"


async def test_expiring_in_three_days_is_reported_but_still_healthy(
    pki: TestPki, servers: dict[str, TlsServer]
) -> None:
    """Three days left is a number for a rule to judge, not a failed probe."""
    outcome = await run_target(
        _target(servers["expiring"].address, server_name="localhost", ca_file=str(pki.ca_file))
    )
    assert outcome.success, outcome.error
    left = value(outcome, "watchdog_tls_expires_in_seconds")
    assert 2 * 86400 < left <= 3 * 86400
    assert outcome.facts["expires_in"].startswith("2d")


async def test_expired_certificate_fails_with_how_long_ago(
    pki: TestPki, servers: dict[str, TlsServer]
) -> None:
    """An expired leaf is a failed check naming the expiry and OpenSSL's verify error."""
    outcome = await run_target(
        _target(servers["expired"].address, server_name="localhost", ca_file=str(pki.ca_file))
    )
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_tls_expires_in_seconds") < 0
    assert value(outcome, "watchdog_tls_chain_verified") == 0
    assert outcome.error is not None
    assert "certificate localhost expired 2d" in outcome.error
    assert "certificate has expired" in outcome.error


async def test_wrong_hostname_is_told_apart_from_an_untrusted_chain(
    pki: TestPki, servers: dict[str, TlsServer]
) -> None:
    """A trusted certificate for another name verifies but fails the hostname check."""
    outcome = await run_target(
        _target(servers["wrong_host"].address, server_name="localhost", ca_file=str(pki.ca_file))
    )
    assert not outcome.success
    assert value(outcome, "watchdog_tls_chain_verified") == 1
    assert value(outcome, "watchdog_tls_hostname_match") == 0
    assert outcome.error == "certificate is not valid for localhost (it names other.example)"


async def test_untrusted_ca_fails_chain_verification(
    pki: TestPki, servers: dict[str, TlsServer]
) -> None:
    """A certificate from a CA outside the bundle fails with OpenSSL's reason."""
    outcome = await run_target(
        _target(servers["untrusted"].address, server_name="localhost", ca_file=str(pki.ca_file))
    )
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_tls_chain_verified") == 0
    assert value(outcome, "watchdog_tls_hostname_match") == 1
    assert outcome.error is not None
    assert f"chain does not verify against {pki.ca_file}" in outcome.error
    assert "self-signed certificate" in outcome.error or "unable to get" in outcome.error


async def test_system_store_does_not_trust_a_private_ca(servers: dict[str, TlsServer]) -> None:
    """Without ca_file the system trust store is used, which knows nothing of the test CA."""
    outcome = await run_target(_target(servers["valid"].address, server_name="localhost"))
    assert not outcome.success
    assert outcome.error is not None
    assert "against the system trust store" in outcome.error


async def test_ip_address_is_matched_against_ip_sans(
    pki: TestPki, servers: dict[str, TlsServer]
) -> None:
    """Without server_name the address's IP is checked against the IP SANs."""
    outcome = await run_target(_target(servers["valid"].address, ca_file=str(pki.ca_file)))
    assert outcome.success, outcome.error
    assert outcome.facts["hostname"] == "matches 127.0.0.1"


async def test_an_intermediate_that_expires_first_sets_the_earliest_expiry(
    pki: TestPki, tmp_path: Path
) -> None:
    """The earliest expiry covers the whole presented chain, not just the leaf."""
    from datetime import timedelta

    from devstack.pki import issue, make_ca

    short_ca = make_ca("Short Issuing CA", now=pki.now, days=10, issuer=pki.ca)
    leaf = issue(
        short_ca, ["localhost"], not_before=pki.now, not_after=pki.now + timedelta(days=60)
    )
    cert_file, key_file = pki.write_server("short-chain", leaf, short_ca)
    with TlsServer(cert_file, key_file) as server:
        outcome = await run_target(
            _target(server.address, server_name="localhost", ca_file=str(pki.ca_file))
        )
    assert outcome.success, outcome.error
    expected = short_ca.cert.not_valid_after_utc.timestamp()
    assert value(outcome, "probe_ssl_earliest_cert_expiry") == expected


async def test_expiry_uses_the_injected_clock(pki: TestPki, servers: dict[str, TlsServer]) -> None:
    """Time left is computed from the probe clock, so it is exact under a fake clock."""
    clock = FakeClock(pki.valid.cert.not_valid_after_utc.timestamp() - 3600)
    outcome = await run_target(
        _target(servers["valid"].address, server_name="localhost", ca_file=str(pki.ca_file)),
        clock=clock,
    )
    assert value(outcome, "watchdog_tls_expires_in_seconds") == 3600


async def test_connection_refused_is_a_precise_failed_probe() -> None:
    """Nothing listening: up 0 with the address and the reason."""
    port = free_port()
    outcome = await run_target(_target(f"127.0.0.1:{port}"))
    assert not outcome.up
    assert outcome.error == f"connect to 127.0.0.1:{port} failed: connection refused"


async def test_a_non_tls_server_is_a_handshake_failure() -> None:
    """A port that speaks something else fails the handshake with OpenSSL's reason."""
    with GarbageTcpServer() as server:
        outcome = await run_target(_target(server.address))
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith(f"TLS handshake with {server.address} failed")


async def test_a_silent_server_times_out_with_the_phase_named() -> None:
    """A server that accepts and never answers costs one failed probe, named as a handshake."""
    with HangTcpServer() as server:
        outcome = await run_target(_target(server.address), probe_timeout=0.6)
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith(f"TLS handshake with {server.address} did not complete")


def test_config_rejects_bad_address_and_missing_ca_file(tmp_path: Path) -> None:
    """Bad fields are refused with the key and the reason."""
    problems = config_issues(
        [
            {"job": "a", "kind": "tls", "address": "no-port"},
            {"job": "b", "kind": "tls", "address": "h:443", "ca_file": "missing.pem"},
            {"job": "c", "kind": "tls", "address": "h:443", "sni": "x"},
        ],
        tmp_path,
    )
    assert len(problems) == 3, problems
    assert "targets[0].address" in problems[0]
    assert "must be host:port" in problems[0]
    assert "targets[1].ca_file" in problems[1]
    assert f"ca_file {tmp_path / 'missing.pem'} does not exist" in problems[1]
    assert "targets[2].sni" in problems[2]
