"""The http and tcp probe kinds against real local servers."""

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from devstack.procs import free_port
from tests.support.probe_harness import load_spec, run_target, value
from tests.support.webapp import serve


async def _hang(_request: web.Request) -> web.Response:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def _huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    chunk = b"x" * (1024 * 1024)
    for _ in range(100):  # 100 MB, streamed without a Content-Length
        await response.write(chunk)
    return response


def _text(body: str, status: int = 200):  # type: ignore[no-untyped-def]
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(text=body, status=status)

    return handler


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """A small web app with healthy, failing, hanging and huge endpoints."""
    app = web.Application()
    app.router.add_get("/ok", _text("status: healthy"))
    app.router.add_get("/down", _text("maintenance", status=503))
    app.router.add_get("/hang", _hang)
    app.router.add_get("/huge", _huge)
    async with serve(app) as url:
        yield url


async def _http(tmp_path: Path, url: str, **extra: object):  # type: ignore[no-untyped-def]
    spec = load_spec({"job": "web", "kind": "http", "url": url, **extra}, tmp_path)
    return await run_target(spec, tmp_path, body_size_limit=1024 * 1024)


async def test_http_ok_reports_status_and_length(tmp_path: Path, site: str) -> None:
    """A 200 answer is a successful probe with status code and content length."""
    outcome = await _http(tmp_path, f"{site}/ok")
    assert outcome.success
    assert value(outcome, "probe_http_status_code") == 200
    assert value(outcome, "probe_http_content_length") == len("status: healthy")


async def test_http_unexpected_status_is_a_failed_check(tmp_path: Path, site: str) -> None:
    """A 503 means the target answered (up=1) but the check failed."""
    outcome = await _http(tmp_path, f"{site}/down")
    assert outcome.up and not outcome.success
    assert outcome.error == "unexpected HTTP status 503"
    accepted = await _http(tmp_path, f"{site}/down", valid_status_codes=[503])
    assert accepted.success


async def test_http_body_regex(tmp_path: Path, site: str) -> None:
    """body_regex must match somewhere in the body."""
    good = await _http(tmp_path, f"{site}/ok", body_regex="health(y|ier)")
    assert good.success and value(good, "probe_http_body_match") == 1
    bad = await _http(tmp_path, f"{site}/ok", body_regex="^sealed")
    assert not bad.success and bad.error == "body does not match body_regex"
    assert value(bad, "probe_http_body_match") == 0


async def test_http_huge_body_is_cut_off(tmp_path: Path, site: str) -> None:
    """A 100 MB body costs one failed probe, not the daemon's memory."""
    outcome = await _http(tmp_path, f"{site}/huge")
    assert not outcome.up
    assert outcome.error == f"{site}/huge: response body exceeds the 1048576-byte limit"


async def test_http_hang_times_out(tmp_path: Path, site: str) -> None:
    """A server that never answers fails the probe at its timeout."""
    outcome = await _http(tmp_path, f"{site}/hang", timeout="300ms")
    assert not outcome.up and outcome.error == "probe timed out after 0.3s"


async def test_http_connection_refused(tmp_path: Path) -> None:
    """Nothing listening: a precise connection error."""
    url = f"http://127.0.0.1:{free_port()}/"
    outcome = await _http(tmp_path, url)
    assert outcome.error == f"{url}: connection failed: connection refused"


async def test_http_never_leaks_query_or_credentials(tmp_path: Path) -> None:
    """Errors show the URL without userinfo or query string."""
    port = free_port()
    outcome = await _http(tmp_path, f"http://user:pw@127.0.0.1:{port}/hook?token=abc123")
    assert outcome.error is not None
    assert "pw" not in outcome.error and "abc123" not in outcome.error
    assert outcome.error.startswith(f"http://127.0.0.1:{port}/hook?<redacted>: connection")


async def test_tcp_open_and_closed_ports(tmp_path: Path) -> None:
    """An accepting listener is up; a closed port is a precise failure."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        spec = load_spec({"job": "ssh", "kind": "tcp", "address": address}, tmp_path)
        outcome = await run_target(spec, tmp_path)
        assert outcome.success and value(outcome, "probe_tcp_connect_seconds") >= 0
        assert spec.instance == address
    closed = await run_target(spec, tmp_path)
    assert closed.error == f"connect to {address} failed: connection refused"
