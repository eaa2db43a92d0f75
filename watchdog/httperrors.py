"""One wording for every way an HTTP exchange can fail, shared by probes and delivery.

Messages name the failure, never the URL (callers decide whether a redacted URL may be shown)
and never a secret.
"""

from __future__ import annotations

import errno
import os
import ssl
from typing import TYPE_CHECKING

from watchdog.redact import redact

if TYPE_CHECKING:
    pass

__all__ = ["describe_http_failure", "describe_os_error"]


def describe_os_error(exc: OSError) -> str:
    """A short reason such as ``connection refused``, not a message repeating the address."""
    if exc.errno is not None and exc.errno in errno.errorcode:
        return os.strerror(exc.errno).lower()
    return redact(exc.strerror or str(exc)) or type(exc).__name__


def describe_http_failure(exc: BaseException) -> str | None:
    """What went wrong, for the transport errors of an aiohttp request; None if not one."""
    import aiohttp  # here, not at the top: the config loader imports this module

    match exc:
        case aiohttp.ClientConnectorCertificateError():
            return f"TLS certificate verification failed: {redact(str(exc.certificate_error))}"
        case aiohttp.ClientConnectorSSLError():
            return f"TLS handshake failed: {redact(str(exc.os_error))}"
        case aiohttp.ClientConnectorDNSError():
            return f"DNS lookup failed: {redact(str(exc.os_error))}"
        case aiohttp.ClientConnectorError():
            return f"connection failed: {describe_os_error(exc.os_error)}"
        case aiohttp.ServerDisconnectedError():
            return "server closed the connection without a response"
        case aiohttp.ClientPayloadError():
            return f"response body was cut off: {redact(str(exc))}"
        case aiohttp.ClientResponseError():
            return f"invalid HTTP response: {redact(exc.message)}"
        case aiohttp.InvalidURL():
            return "invalid URL"
        case aiohttp.ClientError():
            return f"{type(exc).__name__}: {redact(str(exc))}"
        case ssl.SSLError():
            return f"TLS error: {redact(exc.reason or str(exc))}"
        case OSError():
            return describe_os_error(exc)
    return None
