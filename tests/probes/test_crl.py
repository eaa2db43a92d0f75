"""The ``crl`` probe over real CRLs signed by a test CA, from files and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from devstack.pki import TestPki, make_crl, make_test_pki
from devstack.procs import free_port
from tests.support.hostile import Reply, ScriptedHttpServer
from tests.support.probe_harness import config_issues, run_target, value, values
from watchdog.clock import FakeClock


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """The standard test PKI; its CRL is issued by the intermediate."""
    pki = make_test_pki(tmp_path_factory.mktemp("pki"))
    (pki.directory / "issuing.pem").write_bytes(pki.intermediate.cert_pem())
    (pki.directory / "ca.crl").write_bytes(pki.crl.public_bytes(Encoding.DER))
    (pki.directory / "ca-crl.pem").write_bytes(pki.crl.public_bytes(Encoding.PEM))
    return pki


@pytest.fixture(scope="module")
def web(pki: TestPki) -> Iterator[ScriptedHttpServer]:
    """An HTTP distribution point plus misbehaving paths."""
    replies = {
        "/ca.crl": Reply(
            body=pki.crl.public_bytes(Encoding.DER), content_type="application/pkix-crl"
        ),
        "/html": Reply(body=b"<html>maintenance</html>", content_type="text/html"),
        "/gone": Reply(status=404, body=b"not found", content_type="text/plain"),
        "/huge": Reply(endless=True, content_type="application/pkix-crl"),
        "/hang": Reply(hang=True),
    }
    with ScriptedHttpServer(replies) as server:
        yield server


def _file(path: Path, **extra: object) -> dict[str, object]:
    return {"job": "crl", "kind": "crl", "path": str(path), **extra}


def _url(url: str, **extra: object) -> dict[str, object]:
    return {"job": "crl", "kind": "crl", "url": url, **extra}


async def test_der_crl_file_reports_updates_and_revocations(pki: TestPki) -> None:
    """lastUpdate, nextUpdate, seconds until next update and the revoked count."""
    clock = FakeClock(pki.now.timestamp())
    outcome = await run_target(_file(pki.directory / "ca.crl"), clock=clock)
    assert outcome.success, outcome.error
    assert (
        value(outcome, "watchdog_crl_last_update_timestamp_seconds") == pki.now.timestamp() - 3600
    )
    assert value(outcome, "watchdog_crl_next_update_in_seconds") == 7 * 86400
    assert value(outcome, "watchdog_crl_age_seconds") == 3600
    assert value(outcome, "watchdog_crl_revoked_certificates") == 1
    assert value(outcome, "watchdog_crl_number") == 1
    assert values(outcome, "watchdog_crl_signature_valid") == []


async def test_pem_crl_signature_verifies_against_its_issuer(pki: TestPki) -> None:
    """With issuer_file the signature is checked: the issuing CA signed it."""
    outcome = await run_target(
        _file(pki.directory / "ca-crl.pem", issuer_file=str(pki.directory / "issuing.pem"))
    )
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_crl_signature_valid") == 1
    assert outcome.facts["signature"] == "ok"


async def test_wrong_issuer_fails_the_signature_check(pki: TestPki) -> None:
    """A CRL checked against a CA that did not issue it fails, naming both names."""
    outcome = await run_target(_file(pki.directory / "ca.crl", issuer_file=str(pki.ca_file)))
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_crl_signature_valid") == 0
    assert outcome.error is not None
    assert "CRL issuer CN=Test Issuing CA" in outcome.error
    assert "is not the issuer_file subject CN=Test Root CA" in outcome.error


async def test_forged_signature_fails(pki: TestPki, tmp_path: Path) -> None:
    """Same issuer name, different key: the signature does not verify."""
    from devstack.pki import make_ca

    impostor = make_ca("Test Issuing CA", now=pki.now)
    forged = make_crl(impostor, [], last_update=pki.now, next_update=pki.now + timedelta(days=1))
    path = tmp_path / "forged.crl"
    path.write_bytes(forged.public_bytes(Encoding.DER))
    outcome = await run_target(_file(path, issuer_file=str(pki.directory / "issuing.pem")))
    assert not outcome.success
    assert outcome.error == "CRL signature does not verify with the key of Test Issuing CA"


async def test_overdue_next_update_is_a_failure(pki: TestPki) -> None:
    """Past nextUpdate the CRL is stale: the failure says since when."""
    clock = FakeClock(pki.now.timestamp() + 8 * 86400)
    outcome = await run_target(_file(pki.directory / "ca.crl"), clock=clock)
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_crl_next_update_in_seconds") == -86400
    assert outcome.error is not None
    assert outcome.error.startswith("CRL is stale: nextUpdate ")
    assert outcome.error.endswith("passed 1d ago")


async def test_crl_over_http(pki: TestPki, web: ScriptedHttpServer) -> None:
    """A distribution point URL is fetched and parsed like a file."""
    outcome = await run_target(_url(f"{web.url}/ca.crl"))
    assert outcome.success, outcome.error
    assert value(outcome, "watchdog_crl_revoked_certificates") == 1


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/html", "{url}/html is not a CRL: "),
        ("/gone", "{url}/gone answered HTTP 404"),
        ("/huge", "{url}/huge: response body exceeds the 1048576-byte limit"),
    ],
)
async def test_bad_answers_are_precise_failed_probes(
    web: ScriptedHttpServer, path: str, error: str
) -> None:
    """Garbage, an error status and an endless body each fail the probe with the reason."""
    outcome = await run_target(_url(f"{web.url}{path}"), body_size_limit=1024 * 1024)
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith(error.format(url=web.url)), outcome.error


async def test_refused_and_hanging_distribution_points(web: ScriptedHttpServer) -> None:
    """Connection refused and a server that never answers are failed probes, not crashes."""
    port = free_port()
    refused = await run_target(_url(f"http://127.0.0.1:{port}/ca.crl"))
    assert refused.error == f"http://127.0.0.1:{port}/ca.crl: connection failed: connection refused"
    hung = await run_target(_url(f"{web.url}/hang"), probe_timeout=0.5)
    assert hung.error == "probe timed out after 0.5s"


async def test_https_to_a_plain_http_server_is_a_tls_failure(web: ScriptedHttpServer) -> None:
    """An https distribution point that does not speak TLS fails the handshake, named."""
    outcome = await run_target(_url(f"https://127.0.0.1:{web.port}/ca.crl"))
    assert not outcome.up
    assert outcome.error is not None
    assert outcome.error.startswith(f"https://127.0.0.1:{web.port}/ca.crl: TLS")


async def test_missing_file_is_named(tmp_path: Path) -> None:
    """A CRL file that is not there says so."""
    outcome = await run_target(_file(tmp_path / "nope.crl"))
    assert outcome.error == f"{tmp_path / 'nope.crl'} does not exist"


def test_config_requires_exactly_one_source(tmp_path: Path) -> None:
    """Neither or both of url/path are refused; so is a missing issuer file."""
    problems = config_issues(
        [
            {"job": "a", "kind": "crl"},
            {"job": "b", "kind": "crl", "url": "http://x/c.crl", "path": "c.crl"},
            {"job": "c", "kind": "crl", "path": "c.crl", "issuer_file": "nope.pem"},
            {"job": "d", "kind": "crl", "url": "ftp://x/c.crl"},
        ],
        tmp_path,
    )
    assert len(problems) == 4, problems
    assert "set exactly one of url or path" in problems[0]
    assert "set exactly one of url or path" in problems[1]
    assert f"issuer_file {tmp_path / 'nope.pem'} does not exist" in problems[2]
    assert "targets[3].url" in problems[3]
    assert "must be an http:// or https:// URL" in problems[3]
