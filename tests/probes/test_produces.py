"""Every probe kind returns only the metrics it declares in ``produces`` (the rule lint relies on
it): one healthy target per registered kind — real components where they can be installed, the
API-true fakes otherwise — probed twice (growth-based series appear on the second run) through
the harness, which fails on any undeclared name."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.serialization import Encoding

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.fluentbit import FakeFluentBit
from devstack.fakes.loki import FakeLoki
from devstack.openbao import start_dev
from devstack.pki import make_test_pki
from tests.support.components import require_binary, start_alertmanager, start_prometheus
from tests.support.dns_peer import serve_dns
from tests.support.probe_harness import run_target
from tests.support.tlsserver import TlsServer
from tests.support.webapp import serve
from watchdog.probes import PROBES
from watchdog.probes.base import TargetMemory

pytestmark = pytest.mark.slow

Case = Callable[[Path], AbstractAsyncContextManager[dict[str, Any]]]
CASES: dict[str, Case] = {}


def case(kind: str) -> Callable[[Callable[[Path], AsyncIterator[dict[str, Any]]]], None]:
    """Register the healthy target of ``kind``."""

    def register(make: Callable[[Path], AsyncIterator[dict[str, Any]]]) -> None:
        CASES[kind] = asynccontextmanager(make)

    return register


@asynccontextmanager
async def _web() -> AsyncIterator[str]:
    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="x_total 1\n")

    app = web.Application()
    app.router.add_get("/{tail:.*}", ok)
    async with serve(app) as url:
        yield url


@case("http")
async def _http(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with _web() as url:
        yield {"url": url}


@case("tcp")
async def _tcp(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with _web() as url:
        yield {"address": url.removeprefix("http://")}


@case("scrape")
async def _scrape(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with _web() as url:
        yield {"url": f"{url}/metrics"}


@case("tls")
async def _tls(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    pki = make_test_pki(tmp / "pki")
    server = TlsServer(*pki.write_server("valid", pki.valid, pki.intermediate))
    try:
        yield {"address": server.address, "server_name": "localhost", "ca_file": str(pki.ca_file)}
    finally:
        server.stop()


@case("crl")
async def _crl(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    pki = make_test_pki(tmp / "pki")
    crl, issuer = pki.directory / "ca.crl", pki.directory / "issuing.pem"
    crl.write_bytes(pki.crl.public_bytes(Encoding.DER))
    issuer.write_bytes(pki.intermediate.cert_pem())
    yield {"path": str(crl), "issuer_file": str(issuer)}


@case("certfile")
async def _certfile(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    pki = make_test_pki(tmp / "pki")
    cert, _key = pki.write_server("leaf", pki.valid, pki.intermediate)
    yield {"paths": [str(cert)]}


@case("snapshot")
async def _snapshot(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    directory = tmp / "snapshots"
    directory.mkdir()
    snapshot = directory / "vault.snap"
    snapshot.write_bytes(b"not verified here")
    os.utime(snapshot, (1, 1))
    yield {"path": str(directory), "verify": False, "max_age": "10000d"}


@case("vault")
async def _vault(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    require_binary("bao")
    bao = start_dev(tmp / "bao")
    try:
        yield {"url": bao.url, "token": bao.root_token, "canary": {"path": "drill"}}
    finally:
        bao.stop()


@case("prometheus")
async def _prometheus(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    server = start_prometheus(tmp / "prom", {"global": {"evaluation_interval": "1s"}})
    try:
        yield {"url": server.url, "require_alertmanagers": False}
    finally:
        server.stop()


@case("alertmanager")
async def _alertmanager(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    config = {"route": {"receiver": "x"}, "receivers": [{"name": "x"}]}
    server = start_alertmanager(tmp / "am", config)
    try:
        yield {"url": server.url}
    finally:
        server.stop()


@case("loki")
async def _loki(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with FakeLoki() as loki:
        yield {"url": loki.url}


@case("elasticsearch")
async def _elasticsearch(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with FakeElasticsearch() as es:
        yield {"url": es.url}


@case("fluentbit")
async def _fluentbit(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with FakeFluentBit() as fb:
        fb.receive(3)
        yield {"url": fb.url}


@case("logcanary")
async def _logcanary(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with FakeLoki() as loki:
        backend = {"name": "loki", "kind": "loki", "url": loki.url, "selector": '{job="fb"}'}
        yield {"emit": {"kind": "file", "path": str(tmp / "canary.log")}, "backends": [backend]}


@case("reconcile")
async def _reconcile(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with FakeLoki() as loki, FakeElasticsearch() as es:
        es.indices["audit-1"] = []
        stream = {
            "name": "audit",
            "loki": {"selector": '{job="audit"}'},
            "elasticsearch": {"index": "audit-*"},
            "content": {"id_field": "id"},
        }
        yield {
            "backends": [
                {"name": "loki", "kind": "loki", "url": loki.url},
                {"name": "es", "kind": "elasticsearch", "url": es.url},
            ],
            "streams": [stream],
        }


@case("buffer")
async def _buffer(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    directory = tmp / "flb-storage" / "tail.0"
    directory.mkdir(parents=True)
    (directory / "1-1700000000.flb").write_bytes(b"chunk")
    yield {"path": str(directory.parent)}


@case("host")
async def _host(tmp: Path) -> AsyncIterator[dict[str, Any]]:
    watched = tmp / "cron.d"
    watched.mkdir()
    (watched / "backup").write_text("# job\n")
    yield {"listeners": {"protocols": ["tcp"]}, "files": {"watch": [f"{watched}/*"]}}


@case("dns")
async def _dns(_tmp: Path) -> AsyncIterator[dict[str, Any]]:
    async with serve_dns() as peer:
        yield {"query_name": "ok.test", "nameserver": peer.address}


def test_every_registered_kind_has_a_case() -> None:
    """A new kind needs a healthy target here, so its declaration is checked too."""
    assert sorted(CASES) == sorted(PROBES)


@pytest.mark.parametrize("kind", sorted(PROBES))
async def test_a_healthy_target_returns_only_declared_metrics(kind: str, tmp_path: Path) -> None:
    """Two probes of a healthy target: up both times, and nothing the kind does not declare."""
    memory = TargetMemory()
    async with CASES[kind](tmp_path) as target:
        for _ in range(2):
            outcome = await run_target({"kind": kind, **target}, tmp_path, memory=memory)
            assert outcome.up, outcome.error
            assert not outcome.undeclared
