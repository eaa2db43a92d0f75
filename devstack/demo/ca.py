"""A small internal CA and a certificate renewer in cert-manager's role, for the demo and the
DR drill's CA-outage stage. One process with:

* the **CA** (``--ca-port``): ``POST /v1/sign`` with ``{"hosts": [...], "ttl_seconds": N}``
  answers ``{"certificate": PEM, "private_key": PEM, "ca": PEM, "not_after": unix time}``,
  a leaf signed by the CA (``devstack.pki``); ``GET /v1/health`` answers 200. Stopping the
  CA closes this port: connections are refused, as from a CA whose pods are gone;
* the **renewer**: every ``--renew-every`` seconds it asks the CA for a fresh certificate for
  ``localhost``/``127.0.0.1`` valid ``--duration``, writes it to ``<dir>/leaf.pem`` (key in
  ``leaf-key.pem``, the CA in ``ca.pem``) and hands it to the TLS server; when the CA does not
  answer, the certificate in use stays as it is and the Certificate is not Ready;
* a **TLS server** (``--tls-port``) presenting the current certificate to new connections;
* **control and metrics** (``--control-port``): ``POST /ca/stop`` and ``/ca/start`` (same
  port), ``GET /ca``; ``GET /metrics`` with cert-manager's own series for the one Certificate
  (cert-manager's metrics docs, pkg/metrics/certificates.go):
  ``certmanager_certificate_ready_status{name,namespace,condition}`` — one series per
  condition ``True``/``False``/``Unknown``, 1 for the current one (``False`` after a failed
  renewal, as cert-manager sets Ready=False when issuance fails) —,
  ``certmanager_certificate_expiration_timestamp_seconds{name,namespace}`` and
  ``certmanager_certificate_renewal_timestamp_seconds{name,namespace}``; ``GET /-/healthy``.

Run: ``python -m devstack.demo.ca --dir DIR --ca-port … --tls-port … --control-port …
[--duration 1h] [--renew-every 10s]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from devstack.pki import Issued, issue, make_ca

__all__ = ["CertificateState", "main"]

NAME, NAMESPACE = "demo-tls", "demo"
HOSTS = ["localhost", "127.0.0.1"]


@dataclass
class CertificateState:
    """The one Certificate the renewer keeps: its files, expiry and Ready condition."""

    directory: Path
    not_after: float = 0.0
    renewed_at: float = 0.0
    ready: str = "Unknown"
    reason: str = "not issued yet"
    renewals: int = 0

    def write(self, cert_pem: str, key_pem: str, not_after: float) -> None:
        """Replace the files atomically and record the renewal."""
        for name, text in (("leaf-key.pem", key_pem), ("leaf.pem", cert_pem)):
            tmp = self.directory / f".{name}.tmp"
            tmp.write_text(text)
            tmp.chmod(0o600)
            tmp.replace(self.directory / name)
        self.not_after, self.renewed_at = not_after, time.time()
        self.ready, self.reason, self.renewals = "True", "issued", self.renewals + 1

    def metrics(self) -> str:
        """cert-manager's series for this Certificate."""
        labels = f'name="{NAME}",namespace="{NAMESPACE}"'
        lines = [
            "# HELP certmanager_certificate_ready_status The ready status of the certificate.",
            "# TYPE certmanager_certificate_ready_status gauge",
        ]
        for condition in ("False", "True", "Unknown"):
            value = 1 if condition == self.ready else 0
            lines.append(
                f'certmanager_certificate_ready_status{{condition="{condition}",{labels}}} {value}'
            )
        lines += [
            "# HELP certmanager_certificate_expiration_timestamp_seconds The date after which"
            " the certificate expires. Expressed as a Unix Epoch Time.",
            "# TYPE certmanager_certificate_expiration_timestamp_seconds gauge",
            f"certmanager_certificate_expiration_timestamp_seconds{{{labels}}} {self.not_after}",
            "# HELP certmanager_certificate_renewal_timestamp_seconds The number of seconds"
            " before expiration time the certificate should renew.",
            "# TYPE certmanager_certificate_renewal_timestamp_seconds gauge",
            f"certmanager_certificate_renewal_timestamp_seconds{{{labels}}} {self.renewed_at}",
        ]
        return "\n".join(lines) + "\n"


@dataclass
class Ca:
    """The issuing CA and its (stoppable) HTTP listener."""

    root: Issued
    port: int
    _runner: web.AppRunner | None = field(default=None, init=False)

    @property
    def running(self) -> bool:
        """Whether the CA's port is open."""
        return self._runner is not None

    def sign(self, hosts: list[str], ttl: float) -> tuple[Issued, float]:
        """A leaf for ``hosts`` valid ``ttl`` seconds from now, and its notAfter."""
        now = datetime.now(UTC).replace(microsecond=0)
        end = now + timedelta(seconds=ttl)
        leaf = issue(self.root, hosts, not_before=now - timedelta(minutes=5), not_after=end)
        return leaf, end.timestamp()

    async def _sign(self, request: web.Request) -> web.Response:
        body = await request.json()
        leaf, end = self.sign(list(body["hosts"]), float(body["ttl_seconds"]))
        return web.json_response(
            {
                "certificate": leaf.cert_pem().decode(),
                "private_key": leaf.key_pem().decode(),
                "ca": self.root.cert_pem().decode(),
                "not_after": end,
            }
        )

    async def start(self) -> None:
        """Open the CA's port."""
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_post("/v1/sign", self._sign)
        app.router.add_get("/v1/health", lambda _r: _ok())
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Close the CA's port."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


async def _ok() -> web.Response:
    return web.Response(text="ok\n")


async def _renew(ca: Ca, state: CertificateState, context: ssl.SSLContext, ttl: float) -> None:
    """One renewal through the CA's HTTP API, as cert-manager would ask an issuer."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{ca.port}/v1/sign",
                json={"hosts": HOSTS, "ttl_seconds": ttl},
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response,
        ):
            answer = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        state.ready, state.reason = "False", f"issuing failed: {type(exc).__name__}: {exc}"
        print(f"renewal failed: {state.reason}", flush=True)
        return
    leaf_end = float(answer["not_after"])
    state.write(answer["certificate"], answer["private_key"], leaf_end)
    context.load_cert_chain(state.directory / "leaf.pem", state.directory / "leaf-key.pem")
    print(f"renewed {NAME}: valid until {datetime.fromtimestamp(leaf_end, UTC)}", flush=True)


def _control(ca: Ca, state: CertificateState) -> web.Application:
    async def show(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ca_running": ca.running,
                "ready": state.ready,
                "reason": state.reason,
                "not_after": state.not_after,
                "renewals": state.renewals,
            }
        )

    async def switch(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action == "stop":
            await ca.stop()
        elif action == "start":
            await ca.start()
        else:
            return web.Response(status=404, text="use /ca/stop or /ca/start\n")
        print(f"CA {'started' if ca.running else 'stopped'}", flush=True)
        return await show(request)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=state.metrics(), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/ca", show)
    app.router.add_post("/ca/{action}", switch)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/-/healthy", lambda _r: _ok())
    return app


async def _run(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    args.dir.mkdir(parents=True, exist_ok=True)
    root = make_ca("monitor-watchdog demo issuing CA (DEMO ONLY)", now=datetime.now(UTC))
    (args.dir / "ca.pem").write_bytes(root.cert_pem())
    ca = Ca(root, args.ca_port)
    state = CertificateState(args.dir)
    first, end = ca.sign(HOSTS, args.duration)
    state.write(first.cert_pem().decode(), first.key_pem().decode(), end)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.dir / "leaf.pem", args.dir / "leaf-key.pem")
    tls = await asyncio.start_server(_hang_up, "127.0.0.1", args.tls_port, ssl=context)
    await ca.start()
    runner = web.AppRunner(_control(ca, state), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.control_port).start()
    print(
        f"CA on {args.ca_port}, TLS on {args.tls_port}, control on {args.control_port}", flush=True
    )
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=args.renew_every)
            if not stop.is_set():
                await _renew(ca, state, context, args.duration)
    finally:
        tls.close()
        await runner.cleanup()
        await ca.stop()


async def _hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The TLS server only needs to complete handshakes."""
    writer.close()


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m devstack.demo.ca")
    parser.add_argument("--dir", type=Path, required=True, help="where ca.pem and leaf.pem go")
    for name in ("ca", "tls", "control"):
        parser.add_argument(f"--{name}-port", type=int, required=True)
    parser.add_argument("--duration", type=float, default=3600.0, help="leaf validity, seconds")
    parser.add_argument("--renew-every", type=float, default=10.0, help="seconds")
    asyncio.run(_run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
