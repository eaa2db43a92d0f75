"""JSON API handlers in the shapes of Prometheus' HTTP API."""

from watchdog.api.common import api_error, api_success, rfc3339

__all__ = ["api_error", "api_success", "rfc3339"]
