"""The web config in force, and the middleware that applies it to every request.

``WebSecurity`` holds the loaded web config (swapped by a reload), gives the connection guard
the TLS policy for each new connection, and checks basic authentication on every request
except the ``unauthenticated`` paths (``server.unauthenticated_paths``, ``/-/healthy`` by
default). Endpoints with a token of their own (the incoming heartbeat, HA peers) keep
checking it in their handlers whatever happens here; since Alertmanager and the peers can
send one ``Authorization`` header only, a request that carries such an endpoint's own valid
bearer token passes this layer without basic-auth credentials (client certificates, when
required, still apply: they are checked in the handshake).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from watchdog.api.common import api_error
from watchdog.serverguard.metrics import ServerMetrics
from watchdog.serverguard.tls import TlsPolicy
from watchdog.webconfig.auth import BasicAuthChecker
from watchdog.webconfig.load import LoadedWebConfig

__all__ = ["DEFAULT_UNAUTHENTICATED", "TokenSource", "WebSecurity"]

DEFAULT_UNAUTHENTICATED = ("/-/healthy",)
TokenSource = Callable[[], "str | None"]
"""An endpoint's own bearer token (None: the endpoint has none configured)."""
_REALM = 'Basic realm="monitor-watchdog", charset="UTF-8"'


class WebSecurity:
    """TLS policy and basic authentication from the current web config."""

    def __init__(
        self,
        config: LoadedWebConfig | None,
        *,
        unauthenticated: tuple[str, ...] = DEFAULT_UNAUTHENTICATED,
    ) -> None:
        self.config = config
        self.unauthenticated = frozenset(unauthenticated)
        self.token_paths: dict[str, TokenSource] = {}
        """Paths whose handler checks a bearer token of its own (``/x/`` covers ``/x/...``)."""
        self._checker = BasicAuthChecker()

    def update(self, config: LoadedWebConfig | None, unauthenticated: tuple[str, ...]) -> None:
        """Apply a reloaded web config to the next connection and request."""
        self.config = config
        self.unauthenticated = frozenset(unauthenticated)
        self._checker.forget()

    def tls_policy(self) -> TlsPolicy | None:
        """What the next connection is handshaken with (None: plain HTTP)."""
        config = self.config
        if config is None or config.ssl_context is None:
            return None
        return TlsPolicy(config.ssl_context, config.allowed_sans)

    def close(self) -> None:
        """Stop the password-checking threads."""
        self._checker.close()

    def _own_token(self, request: web.Request) -> bool:
        source = self.token_paths.get(request.path)
        if source is None:  # a key ending in "/" covers every path below it
            source = next(
                (
                    v
                    for k, v in self.token_paths.items()
                    if k.endswith("/") and request.path.startswith(k)
                ),
                None,
            )
        token = source() if source is not None else None
        if not token:
            return False
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        return hmac.compare_digest(given, f"Bearer {token}".encode())

    def middleware(self, metrics: ServerMetrics) -> Middleware:
        """Basic authentication (when users are configured) and the configured headers."""

        @web.middleware
        async def enforce(request: web.Request, handler: Handler) -> web.StreamResponse:
            config = self.config
            if config is None:
                return await handler(request)
            if (
                config.users
                and request.path not in self.unauthenticated
                and not self._own_token(request)
            ):
                outcome = await self._checker.check(
                    config.users, request.headers.get("Authorization")
                )
                if outcome != "ok":
                    metrics.http_auth_failures.labels(outcome).inc()
                    return _refusal(outcome, config)
            response = await handler(request)
            for name, value in config.headers.items():
                response.headers[name] = value
            return response

        return enforce


def _refusal(outcome: str, config: LoadedWebConfig) -> web.Response:
    if outcome == "busy":
        response = api_error(503, "unavailable", "too many password checks under way; retry")
        response.headers["Retry-After"] = "1"
    else:
        response = api_error(401, "unauthorized", "authentication required")
        response.headers["WWW-Authenticate"] = _REALM
    for name, value in config.headers.items():
        response.headers[name] = value
    return response
