"""The demo's fake log pipeline, after the seed's dual-ship Fluent Bit: one process with

* an "application" appending a log line to ``app.log`` every two seconds (the daemon's log
  canary is appended to the same file),
* a shipper (``devstack.fakes.shipper``) tailing that file and shipping every line to Loki
  and to Elasticsearch,
* the API-true fakes of Loki, Elasticsearch and Fluent Bit's monitoring API, the Fluent Bit
  counters following what the shipper really did: records read, records delivered per
  output, and — for an output that cannot deliver — an error, a failed retry and the
  dropped record, as Fluent Bit counts a chunk whose retries ran out,
* a control API to break and repair one output:
  ``POST /outputs/<loki|elasticsearch>/stop`` and ``…/start``; ``GET /outputs``; and
  ``POST /outputs/<name>/drop?share=0.2``: that share of the output's records is silently lost
  after the hand-off (Fluent Bit counts them as delivered — only reconciling the backends' record
  counts sees it); ``share=0`` repairs it. ``…/pause`` and ``…/resume``: while paused the
  output's records wait in the buffer (Fluent Bit retrying a backend it cannot reach) and are
  delivered, oldest first, on resume,
* a filesystem buffer like Fluent Bit's ``storage.path``: each output's waiting records in
  chunk files ``<buffer-dir>/<output>/<ms>.flb`` (one per ten seconds of records), deleted once
  delivered,
* and a control API to stop and start a backend itself (the DR drill's log failover):
  ``POST /backends/<loki|elasticsearch>/stop`` closes its port (connections are refused, its
  stored lines are kept), ``…/start`` listens on the same port again; ``GET /backends``. The
  shipper buffers what it cannot deliver meanwhile and sends the backlog once the backend is
  back, like Fluent Bit with a filesystem buffer.

Run: ``python -m devstack.demo.logpipeline --file app.log --loki-port … --elasticsearch-port …
--fluentbit-port … --control-port … [--buffer-dir DIR]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.fluentbit import FakeFluentBit
from devstack.fakes.loki import FakeLoki
from devstack.fakes.server import FakeServer
from devstack.fakes.shipper import FakeShipper, Route
from watchdog.clock import SystemClock

__all__ = ["OUTPUTS", "CountingShipper", "Pipeline", "main"]

OUTPUTS = {"loki": "loki.0", "elasticsearch": "es.1"}
"""Shipper route → the Fluent Bit output plugin instance name that reports it."""
CHUNK_SECONDS = 10
"""Records waiting in the buffer are kept in one chunk file per this many seconds."""


class CountingShipper(FakeShipper):
    """A shipper that counts the records it read (Fluent Bit's input records)."""

    accepted = 0

    def accept(self, line: str) -> None:
        """Take one record in and count it."""
        self.accepted += 1
        super().accept(line)


class Pipeline:
    """The shipper and the Fluent Bit counters kept in step."""

    def __init__(
        self,
        shipper: CountingShipper,
        fluentbit: FakeFluentBit,
        buffer: Path | None = None,
        backends: dict[str, FakeServer] | None = None,
    ) -> None:
        self.shipper = shipper
        self.fluentbit = fluentbit
        self.buffer = buffer
        self.backends = dict(backends or {})
        self._ports = {name: server.port for name, server in self.backends.items()}
        self._seen_in = 0
        self._seen: dict[str, tuple[int, int]] = dict.fromkeys(OUTPUTS, (0, 0))

    async def step(self) -> None:
        """Ship what is due, then move Fluent Bit's counters by what happened."""
        await self.shipper.pump()
        if self.shipper.accepted > self._seen_in:
            self.fluentbit.receive(self.shipper.accepted - self._seen_in)
            self._seen_in = self.shipper.accepted
        for name, output in OUTPUTS.items():
            route = self.shipper.routes[name]
            delivered, lost = route.delivered, route.dropped + route.rejected
            old_delivered, old_lost = self._seen[name]
            if delivered > old_delivered:
                self.fluentbit.ship(output, delivered - old_delivered)
            if lost > old_lost:
                count = lost - old_lost
                self.fluentbit.fail(output, chunks=count, records=count, retry_failed=True)
            self._seen[name] = (delivered, lost)
        if self.buffer is not None:
            self._mirror_buffer(self.buffer)

    def _mirror_buffer(self, root: Path) -> None:
        """Each output's waiting records as chunk files of ``CHUNK_SECONDS`` of records each:
        a chunk is written while its records arrive (then left alone, so its age shows how long
        it has waited) and deleted once they are delivered."""
        for name, route in self.shipper.routes.items():
            directory = root / name
            directory.mkdir(parents=True, exist_ok=True)
            chunks: dict[Path, list[str]] = {}
            for _due, read_at, line in route.queue:
                first = int(read_at // CHUNK_SECONDS * CHUNK_SECONDS * 1000)
                chunks.setdefault(directory / f"{first}.flb", []).append(f"{line}\n")
            for chunk, lines in chunks.items():
                data = "".join(lines).encode()
                if not chunk.exists() or chunk.stat().st_size != len(data):
                    chunk.write_bytes(data)
            for chunk in directory.glob("*.flb"):
                if chunk not in chunks:
                    chunk.unlink(missing_ok=True)

    def outputs(self) -> dict[str, Any]:
        """Each output's state, for the control API."""
        return {
            name: {
                "fluentbit_output": OUTPUTS[name],
                "forwarding": not route.stopped,
                "paused": route.paused,
                "waiting": len(route.queue),
                "delivered": route.delivered,
                "dropped": route.dropped + route.rejected,
                "drop_share": route.drop_share,
                "lost_silently": route.lost_silently,
            }
            for name, route in self.shipper.routes.items()
        }

    def backend_states(self) -> dict[str, Any]:
        """Whether each backend listens, and how much the shipper holds back for it."""
        return {
            name: {
                "running": server.port != 0,
                "port": self._ports[name],
                "buffered": len(self.shipper.routes[name].queue),
            }
            for name, server in self.backends.items()
        }

    async def switch_backend(self, name: str, *, running: bool) -> None:
        """Stop a backend (its port closes, its data stays) or start it on the same port."""
        server = self.backends[name]
        if running and server.port == 0:
            await server.start(self._ports[name])
        elif not running and server.port != 0:
            await server.stop()
            server.port = 0
        state = "listening again" if running else "stopped: connections are refused"
        print(f"backend {name} {state}", flush=True)

    def control_app(self) -> web.Application:
        """``GET /outputs``, ``POST /outputs/{name}/{stop|start}``, ``GET /-/healthy``."""

        async def show(_request: web.Request) -> web.Response:
            return web.json_response(self.outputs())

        async def switch(request: web.Request) -> web.Response:
            name, action = request.match_info["name"], request.match_info["action"]
            route = self.shipper.routes.get(name)
            if route is None or action not in ("stop", "start", "pause", "resume"):
                known = ", ".join(self.shipper.routes)
                return web.Response(status=404, text=f"unknown output {name!r}; known: {known}\n")
            if action in ("pause", "resume"):
                route.paused = action == "pause"
                what = "paused: its records wait in the buffer" if route.paused else "resumed"
                print(f"output {name} ({OUTPUTS[name]}) {what}", flush=True)
                return web.json_response(self.outputs())
            route.stopped = action == "stop"
            what = "stopped: its records are dropped" if route.stopped else "forwarding again"
            print(f"output {name} ({OUTPUTS[name]}) {what}", flush=True)
            return web.json_response(self.outputs())

        async def drop(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            route = self.shipper.routes.get(name)
            try:
                share = float(request.query.get("share", ""))
            except ValueError:
                share = -1.0
            if route is None or not 0.0 <= share < 1.0:
                known = ", ".join(self.shipper.routes)
                return web.Response(
                    status=400, text=f"want /outputs/<{known}>/drop?share=<0 to 0.99>\n"
                )
            route.drop_share = share
            print(f"output {name} ({OUTPUTS[name]}) silently loses {share:.0%}", flush=True)
            return web.json_response(self.outputs())

        async def healthy(_request: web.Request) -> web.Response:
            return web.Response(text="ok")

        async def backends(_request: web.Request) -> web.Response:
            return web.json_response(self.backend_states())

        async def backend(request: web.Request) -> web.Response:
            name, action = request.match_info["name"], request.match_info["action"]
            if name not in self.backends or action not in ("stop", "start"):
                known = ", ".join(self.backends)
                return web.Response(status=404, text=f"unknown backend {name!r}; known: {known}\n")
            await self.switch_backend(name, running=action == "start")
            return web.json_response(self.backend_states())

        app = web.Application()
        app.router.add_get("/outputs", show)
        app.router.add_post("/outputs/{name}/drop", drop)
        app.router.add_post("/outputs/{name}/{action}", switch)
        app.router.add_get("/backends", backends)
        app.router.add_post("/backends/{name}/{action}", backend)
        app.router.add_get("/-/healthy", healthy)
        return app


async def _application(path: Path, stop: asyncio.Event) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f'level=info app=demo-shop msg="order processed" order={number}\n')
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2.0)


async def _ship(pipeline: Pipeline, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await pipeline.step()
        except aiohttp.ClientError as exc:  # a backend hiccup must not end the pipeline
            print(f"shipping failed: {exc}", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)


async def _run(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    clock = SystemClock()
    async with aiohttp.ClientSession() as session:
        loki = await FakeLoki().start(args.loki_port)
        elasticsearch = await FakeElasticsearch(status="green").start(args.elasticsearch_port)
        fluentbit = await FakeFluentBit().start(args.fluentbit_port)
        shipper = CountingShipper(args.file, clock, session)
        shipper.route("loki", Route("loki", loki.url, buffer=True))
        shipper.route(
            "elasticsearch",
            Route(
                "elasticsearch",
                elasticsearch.url,
                index="logs-demo",
                parse_logfmt=True,
                buffer=True,
            ),
        )
        if args.buffer_dir is not None:
            args.buffer_dir.mkdir(parents=True, exist_ok=True)
        backends: dict[str, FakeServer] = {"loki": loki, "elasticsearch": elasticsearch}
        pipeline = Pipeline(shipper, fluentbit, args.buffer_dir, backends)
        runner = web.AppRunner(pipeline.control_app(), handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.control_port).start()
        print(
            f"log pipeline: tailing {args.file}; Loki {loki.url}, Elasticsearch "
            f"{elasticsearch.url}, Fluent Bit {fluentbit.url}, control "
            f"http://127.0.0.1:{args.control_port}",
            flush=True,
        )
        try:
            await asyncio.gather(_application(args.file, stop), _ship(pipeline, stop))
        finally:
            await runner.cleanup()
            for server in (fluentbit, elasticsearch, loki):
                if server.port:
                    await server.stop()


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m devstack.demo.logpipeline")
    parser.add_argument("--file", type=Path, required=True, help="the log file to ship")
    for name in ("loki", "elasticsearch", "fluentbit", "control"):
        parser.add_argument(f"--{name}-port", type=int, required=True)
    parser.add_argument("--buffer-dir", type=Path, help="where waiting records are kept")
    asyncio.run(_run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
