"""Request middlewares: a bounded body for every request, and a safety net around handlers.

``bounded_body`` reads any request body before the handler runs, within ``body_timeout`` and
``max_body_size``: a slow body is answered 408 and its connection closed, a huge one 413
(from ``Content-Length`` before reading anything, or as soon as the limit is passed; aiohttp
then discards the rest for at most its lingering time, so the client reads the answer instead
of a reset). Handlers
then read the cached body (aiohttp keeps what ``read()`` returned) without waiting. It also
tells the connection guard when a request starts and ends, which stops and restarts the
guard's clock.

``safety_net`` turns any exception a handler did not expect into one JSON log line (with the
traceback as a field), ``watchdog_http_handler_errors_total`` and a 500 whose body names no
code: an HTTP client never sees a traceback, stdout never gets a plain-text one.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from watchdog.api.common import api_error
from watchdog.logs import get_logger
from watchdog.serverguard.connections import ConnectionGuard
from watchdog.serverguard.metrics import ServerMetrics

__all__ = ["bounded_body", "safety_net"]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _refuse(status: int, error_type: str, message: str, *, close: bool = False) -> web.Response:
    response = api_error(status, error_type, message)
    if close:
        response.force_close()
    return response


def bounded_body(
    guard: ConnectionGuard, *, max_body_size: int, body_timeout: float, metrics: ServerMetrics
) -> Middleware:
    """The body-bounding middleware for one server."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        transport = request.transport
        guard.request_started(transport)
        try:
            refusal = await _read_body(request, max_body_size, body_timeout)
            if refusal is not None:
                reason = "body_timeout" if refusal.status == 408 else "body_too_large"
                if reason == "body_timeout":
                    guard.closed_for(transport, reason)
                else:
                    metrics.http_requests_refused.labels(reason).inc()
                return refusal
            return await handler(request)
        finally:
            guard.request_finished(transport)

    return middleware


async def _read_body(
    request: web.Request, max_body_size: int, body_timeout: float
) -> web.Response | None:
    if request.method not in _BODY_METHODS or not request.body_exists:
        return None
    length = request.content_length
    if length is not None and length > max_body_size:
        return _refuse(
            413,
            "bad_data",
            f"request body of {length} bytes is larger than the {max_body_size}-byte limit"
            " (server.max_body_size)",
        )
    try:
        async with asyncio.timeout(body_timeout):
            await request.read()
    except TimeoutError:
        return _refuse(
            408,
            "timeout",
            f"request body not received within {body_timeout:g}s (server.body_timeout)",
            close=True,  # a client this slow gets no lingering read of the rest
        )
    except ConnectionError:  # the client hung up mid-body: nobody to answer, nothing to log
        return _refuse(400, "bad_data", "connection lost while reading the body", close=True)
    except web.HTTPRequestEntityTooLarge:
        return _refuse(
            413,
            "bad_data",
            f"request body is larger than the {max_body_size}-byte limit (server.max_body_size)",
        )
    return None


def safety_net(metrics: ServerMetrics) -> Middleware:
    """The outermost middleware: unexpected handler exceptions become a logged, counted 500."""
    log = get_logger("server")

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except ConnectionError:  # the client went away; aiohttp would log it as an error
            return _refuse(400, "bad_data", "connection lost", close=True)
        except Exception as exc:
            route = request.match_info.route.resource
            name = route.canonical if route is not None else "unmatched"
            metrics.http_handler_errors.labels(name).inc()
            log.exception(
                "request handler failed",
                method=request.method,
                handler=name,
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
            return api_error(
                500,
                "internal",
                f"internal error while handling {request.method} {name}; the daemon's log"
                " has the details",
            )

    return middleware
