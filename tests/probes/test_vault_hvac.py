"""Authenticated checks (hvac, blocking) report transport failures precisely."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from devstack.procs import free_port
from tests.support.hostile import Reply, ScriptedHttpServer
from watchdog.probes.kinds.vault.hvac import AuthRequest, CanaryCheck, run_checks


@pytest.fixture(scope="module")
def web() -> Iterator[ScriptedHttpServer]:
    """A plain-HTTP server: a huge token answer and an invalid-JSON canary."""
    replies = {
        "/v1/auth/token/lookup-self": Reply(endless=True),
        "/v1/secret/data/dr-test": Reply(body=b"{not json"),
    }
    with ScriptedHttpServer(replies) as server:
        yield server


def _request(url: str, **overrides: object) -> AuthRequest:
    fields: dict[str, object] = {
        "url": url,
        "token": "s.some-test-token",
        "verify": True,
        "cert": None,
        "headers": {},
        "deadline": time.monotonic() + 3,
        "body_limit": 64 * 1024,
        "check_token": True,
        "canary": None,
        "raft": False,
        **overrides,
    }
    return AuthRequest(**fields)  # type: ignore[arg-type]


def test_connection_refused_names_the_reason() -> None:
    """A refused connection is one failed check saying so."""
    findings = run_checks(_request(f"http://127.0.0.1:{free_port()}"))
    assert findings.problems == ["token: connection failed: connection refused"]
    assert findings.samples[0].name == "watchdog_vault_check_success"
    assert findings.samples[0].value == 0


def test_tls_to_a_plain_http_port_is_a_tls_error(web: ScriptedHttpServer) -> None:
    """https against a plain HTTP listener names the TLS failure."""
    findings = run_checks(_request(f"https://127.0.0.1:{web.port}"))
    assert len(findings.problems) == 1
    assert findings.problems[0].startswith("token: TLS error: ")


def test_a_huge_answer_is_refused_not_buffered(web: ScriptedHttpServer) -> None:
    """An endless body stops at the size limit instead of filling memory."""
    findings = run_checks(_request(web.url))
    assert findings.problems == ["token: response body exceeds the 65536-byte limit"]


def test_invalid_json_is_named(web: ScriptedHttpServer) -> None:
    """A canary answer that is not JSON is a failed canary with the parser's reason."""
    findings = run_checks(_request(web.url, check_token=False, canary=CanaryCheck(path="dr-test")))
    assert len(findings.problems) == 1
    assert findings.problems[0].startswith("canary: invalid JSON in the answer: ")
