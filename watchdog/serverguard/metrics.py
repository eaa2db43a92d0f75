"""Metrics of the HTTP server's defences: connections, timeouts, refusals, accept failures."""

from __future__ import annotations

from watchdog.metrics import MetricsRegistry

__all__ = ["ServerMetrics"]


class ServerMetrics:
    """Open and refused connections, closes by reason, refused requests, handler errors."""

    def __init__(self, registry: MetricsRegistry) -> None:
        r = registry
        self.http_connections = r.gauge(
            "watchdog_http_connections", "Open connections to the HTTP server."
        )
        self.http_connections_limit = r.gauge(
            "watchdog_http_connections_limit",
            "Connections the HTTP server holds at most (max_connections within the fd budget).",
        )
        self.http_connections_refused = r.counter(
            "watchdog_http_connections_refused_total",
            "New connections closed at once: the limit was reached and every connection was busy.",
        )
        self.http_connections_closed = r.counter(
            "watchdog_http_connections_closed_total",
            "Connections the server closed itself"
            " (header_timeout, body_timeout, idle_timeout, evicted).",
            "reason",
        )
        self.http_requests_refused = r.counter(
            "watchdog_http_requests_refused_total",
            "Requests refused before their handler ran (body_too_large).",
            "reason",
        )
        self.http_accept_errors = r.counter(
            "watchdog_http_accept_errors_total",
            "Failed accept() calls on the listener (file descriptors or kernel buffers ran out).",
        )
        self.http_accept_failing = r.gauge(
            "watchdog_http_accept_failing",
            "1 from a failed accept() until the next accepted connection.",
        )
        self.http_tls_handshake_failures = r.counter(
            "watchdog_http_tls_handshake_failures_total",
            "TLS connections refused during the handshake (no_client_cert, client_cert_rejected,"
            " client_san_not_allowed, protocol, timeout).",
            "reason",
        )
        self.http_auth_failures = r.counter(
            "watchdog_http_auth_failures_total",
            "Requests refused by basic authentication (missing, wrong, busy).",
            "reason",
        )
        self.http_handler_errors = r.counter(
            "watchdog_http_handler_errors_total",
            "Requests whose handler failed unexpectedly (answered 500, logged).",
            "handler",
        )
