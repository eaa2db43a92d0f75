"""A minimal HTTP target for benchmarks: answers every GET with 200 "ok" (``/metrics``: one
sample, so Prometheus can scrape it as a peer)."""

from __future__ import annotations

import sys

from aiohttp import web


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _metrics(_request: web.Request) -> web.Response:
    return web.Response(text="bench_target_up 1\n")


def main() -> None:
    """Serve on 127.0.0.1:PORT until killed."""
    app = web.Application()
    app.router.add_get("/metrics", _metrics)  # a valid exposition, for Prometheus as a peer
    app.router.add_get("/{tail:.*}", _ok)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
