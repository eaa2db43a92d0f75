"""A daemon behind its web config: TLS with client certificates and basic auth, refusals,
exemptions, the heartbeat's own token, and reloads that swap (never lower) protection."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import yaml

from devstack.procs import free_port
from tests.webconfig.pki import PASSWORD, USER, WebPki, bcrypt_hash, make_web_pki, write_web_config
from watchdog.app import Daemon
from watchdog.config.load import load_config

HEARTBEAT_TOKEN = "heartbeat-token-for-tls-tests"


@dataclass
class Running:
    """A started daemon and how to reach it."""

    daemon: Daemon
    base: str
    pki: WebPki
    web: Path


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """A daemon with TLS (client certificates required) and one basic-auth user."""
    pki = make_web_pki(tmp_path / "pki")
    web = write_web_config(tmp_path / "web.yml", pki)
    (tmp_path / "token").write_text(HEARTBEAT_TOKEN)
    port = free_port()
    config = tmp_path / "watchdog.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"interval": "1s", "timeout": "500ms"},
                "server": {"listen": f"127.0.0.1:{port}", "enable_lifecycle": True},
                "state_dir": str(tmp_path / "state"),
                "alerting": {"heartbeat_in": {"bearer_token_file": str(tmp_path / "token")}},
            }
        )
    )
    daemon = Daemon(load_config(config, web_config_file=web))
    await daemon.start()
    try:
        yield Running(daemon, f"https://127.0.0.1:{port}", pki, web)
    finally:
        await daemon.stop()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def _get(
    url: str, context: ssl.SSLContext, auth: str | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], str]:
    headers = {"Authorization": auth} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, ssl=context, headers=headers, json=None) as response,
    ):
        return response.status, dict(response.headers), await response.text()


def _failures(running: Running, metric: str) -> dict[str, float]:
    text = running.daemon.registry.exposition().decode()
    found = {}
    for line in text.splitlines():
        if line.startswith(metric + "{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('"')[1]] = float(value)
    return found


async def test_valid_client_cert_and_password_reach_every_endpoint(running: Running) -> None:
    """With the client certificate and the right password, /metrics and the page answer."""
    context = running.pki.client_context(running.pki.client)
    auth = _basic(USER, PASSWORD)
    status, _, body = await _get(f"{running.base}/metrics", context, auth)
    assert status == 200 and "watchdog_build_info" in body
    status, headers, body = await _get(f"{running.base}/", context, auth)
    assert status == 200 and "<!DOCTYPE html>" in body
    assert "script-src 'sha256-" in headers["Content-Security-Policy"]


async def test_wrong_or_missing_password_is_refused(running: Running) -> None:
    """Wrong password, unknown user, no credentials: 401 with a Basic challenge, counted."""
    context = running.pki.client_context(running.pki.client)
    for auth in (_basic(USER, "wrong"), _basic("mallory", PASSWORD), None):
        status, headers, body = await _get(f"{running.base}/metrics", context, auth)
        assert status == 401, auth
        assert headers["WWW-Authenticate"].startswith('Basic realm="monitor-watchdog"')
        assert "watchdog_build_info" not in body
    assert _failures(running, "watchdog_http_auth_failures_total") == {"wrong": 2, "missing": 1}


async def test_no_client_cert_or_expired_client_cert_is_refused(running: Running) -> None:
    """No certificate, an expired one: the handshake fails, nothing is served, both counted."""
    for client in (None, running.pki.expired_client):
        context = running.pki.client_context(client)
        with pytest.raises(aiohttp.ClientError):
            await _get(f"{running.base}/-/healthy", context, _basic(USER, PASSWORD))
    failures = _failures(running, "watchdog_http_tls_handshake_failures_total")
    # aiohttp retries an idempotent request once when a fresh connection is cut: >= 1 each
    assert set(failures) == {"no_client_cert", "client_cert_rejected"}, failures


async def test_plain_http_is_refused_on_a_tls_listener(running: Running) -> None:
    """A plain-HTTP client gets no answer at all from the TLS listener."""
    with pytest.raises(aiohttp.ClientError):
        async with (
            aiohttp.ClientSession() as session,
            session.get(running.base.replace("https", "http") + "/-/healthy") as response,
        ):
            await response.text()


async def test_healthy_needs_no_password_but_still_tls(running: Running) -> None:
    """/-/healthy is exempt from basic auth by default; TLS and the client cert still apply."""
    context = running.pki.client_context(running.pki.client)
    status, _, body = await _get(f"{running.base}/-/healthy", context)
    assert status == 200 and "Healthy" in body
    status, _, _ = await _get(f"{running.base}/-/ready", context)
    assert status == 401


async def test_heartbeat_keeps_its_own_token(running: Running) -> None:
    """The heartbeat endpoint: its own bearer token suffices; basic auth without it does not."""
    context = running.pki.client_context(running.pki.client)
    url = f"{running.base}/api/v1/heartbeat"
    status, _, body = await _get(url, context, f"Bearer {HEARTBEAT_TOKEN}", method="POST")
    assert status == 400 and "not an Alertmanager webhook payload" in body  # past both layers
    status, _, body = await _get(url, context, _basic(USER, PASSWORD), method="POST")
    assert status == 401 and "bearer token" in body  # the handler's own check, on top
    status, _, _ = await _get(url, context, "Bearer not-the-token", method="POST")
    assert status == 401


async def test_reload_applies_a_new_password_to_the_next_request(running: Running) -> None:
    """SIGHUP's reload swaps the users: the old password stops working, the new one works."""
    context = running.pki.client_context(running.pki.client)
    text = yaml.safe_load(running.web.read_text())
    text["basic_auth_users"] = {USER: bcrypt_hash("new password")}
    running.web.write_text(yaml.safe_dump(text))
    result = await running.daemon.reload("test")
    assert result.ok, result.message
    assert (await _get(f"{running.base}/metrics", context, _basic(USER, PASSWORD)))[0] == 401
    status, _, _ = await _get(f"{running.base}/metrics", context, _basic(USER, "new password"))
    assert status == 200


async def test_reload_never_lowers_protection(running: Running) -> None:
    """A web config emptied by mistake is refused on reload; TLS and auth stay in force."""
    running.web.write_text("")
    result = await running.daemon.reload("test")
    assert not result.ok
    assert "turns off TLS and basic authentication" in result.message
    context = running.pki.client_context(running.pki.client)
    assert (await _get(f"{running.base}/metrics", context))[0] == 401


async def test_client_allowed_sans_refuses_other_certificates(tmp_path: Path) -> None:
    """With client_allowed_sans, a valid certificate naming another host is refused."""
    pki = make_web_pki(tmp_path / "pki")
    web = write_web_config(tmp_path / "web.yml", pki, client_allowed_sans=["prometheus.example"])
    port = free_port()
    config = tmp_path / "watchdog.yml"
    config.write_text(
        yaml.safe_dump(
            {"server": {"listen": f"127.0.0.1:{port}"}, "state_dir": str(tmp_path / "state")}
        )
    )
    daemon = Daemon(load_config(config, web_config_file=web))
    await daemon.start()
    try:
        base = f"https://127.0.0.1:{port}"
        ok = await _get(f"{base}/-/healthy", pki.client_context(pki.client))
        assert ok[0] == 200
        with pytest.raises(aiohttp.ClientError):
            await _get(f"{base}/-/healthy", pki.client_context(pki.other_san_client))
    finally:
        await daemon.stop()


async def test_a_handshake_never_started_is_closed_at_the_header_deadline(tmp_path: Path) -> None:
    """A TCP connection that never sends its TLS ClientHello holds a slot only until
    server.header_timeout, like a slow request head, and is counted as such."""
    pki = make_web_pki(tmp_path / "pki")
    web = write_web_config(tmp_path / "web.yml", pki)
    port = free_port()
    config = tmp_path / "watchdog.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "server": {"listen": f"127.0.0.1:{port}", "header_timeout": "300ms"},
                "state_dir": str(tmp_path / "state"),
            }
        )
    )
    daemon = Daemon(load_config(config, web_config_file=web))
    await daemon.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async with asyncio.timeout(10):
            assert await reader.read() == b""  # closed by the server, nothing served
        writer.close()
        text = daemon.registry.exposition().decode()
        assert 'watchdog_http_connections_closed_total{reason="header_timeout"} 1.0' in text
        assert "watchdog_http_tls_handshake_failures_total{" not in text
    finally:
        await daemon.stop()
