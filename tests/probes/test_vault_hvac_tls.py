"""Authenticated checks (hvac) trust the target's ``tls.ca_file``, not only the system store."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.pki import TestPki, make_test_pki
from tests.support.httpsink import Answer, HttpSink
from watchdog.probes.kinds.vault.hvac import AuthRequest, run_checks

_LOOKUP = {"data": {"ttl": 3600, "expire_time": "2030-01-01T00:00:00Z", "policies": ["p"]}}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """A private CA (not in the system store) and a server certificate for 127.0.0.1."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def vault(pki: TestPki) -> Iterator[HttpSink]:
    """An https server answering token lookups like Vault, with a certificate from ``pki``."""
    cert, key = pki.write_server("vault", pki.valid, pki.intermediate)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    sink = HttpSink(ssl_context=context)
    sink.behaviour = lambda _r: Answer(
        headers={"Content-Type": "application/json"}, body=json.dumps(_LOOKUP).encode()
    )
    sink.start()
    yield sink
    sink.stop()


def _request(url: str, verify: bool | str) -> AuthRequest:
    return AuthRequest(
        url=url,
        token="s.some-test-token",
        verify=verify,
        cert=None,
        headers={},
        deadline=time.monotonic() + 5,
        body_limit=64 * 1024,
        check_token=True,
        canary=None,
        raft=False,
    )


def test_ca_file_is_trusted(vault: HttpSink, pki: TestPki) -> None:
    """With ``verify`` set to the private CA file the token lookup succeeds over TLS."""
    findings = run_checks(_request(vault.base_url, str(Path(pki.ca_file))))
    assert findings.problems == []
    assert findings.facts["token_ttl"] == "1h"


def test_system_store_alone_rejects_the_private_ca(vault: HttpSink) -> None:
    """Without the CA file the same server fails verification (the test above is not vacuous)."""
    findings = run_checks(_request(vault.base_url, True))
    assert len(findings.problems) == 1
    assert findings.problems[0].startswith("token: TLS error: certificate verify failed")
