"""The web layer's decisions per path: exempt paths, endpoints with their own token."""

from __future__ import annotations

import base64
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.support.webapp import serve
from tests.webconfig.pki import bcrypt_hash
from watchdog.metrics import MetricsRegistry
from watchdog.serverguard.metrics import ServerMetrics
from watchdog.webconfig.enforce import WebSecurity
from watchdog.webconfig.load import load_web_config

PEER_TOKEN = "peer-token-for-enforce-tests"


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="served")


async def _status(url: str, auth: str | None = None) -> int:
    headers = {"Authorization": auth} if auth else {}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        return answer.status


async def test_own_tokens_pass_only_on_their_paths(tmp_path: Path) -> None:
    """A bearer token registered for ``/peer/`` opens ``/peer/...`` only; exempt paths need
    nothing; everything else needs basic auth; response headers from the web config apply."""
    path = tmp_path / "web.yml"
    path.write_text(
        f"basic_auth_users:\n  alice: '{bcrypt_hash('pw')}'\n"
        "http_server_config:\n  headers: {X-Frame-Options: deny}\n"
    )
    security = WebSecurity(load_web_config(path), unauthenticated=("/-/healthy",))
    security.token_paths["/peer/"] = lambda: PEER_TOKEN
    app = web.Application(middlewares=[security.middleware(ServerMetrics(MetricsRegistry()))])
    app.router.add_get("/{tail:.*}", _ok)
    try:
        async with serve(app) as base:
            assert await _status(f"{base}/peer/nflog", f"Bearer {PEER_TOKEN}") == 200
            assert await _status(f"{base}/peer/nflog", "Bearer wrong") == 401
            assert await _status(f"{base}/metrics", f"Bearer {PEER_TOKEN}") == 401
            assert await _status(f"{base}/-/healthy") == 200
            assert await _status(f"{base}/metrics") == 401
            basic = {"Authorization": "Basic " + base64.b64encode(b"alice:pw").decode()}
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{base}/metrics", headers=basic) as answer,
            ):
                assert answer.status == 200
                assert answer.headers["X-Frame-Options"] == "deny"
    finally:
        security.close()
