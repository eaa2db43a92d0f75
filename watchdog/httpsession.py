"""The one way the daemon and its one-shot commands open an HTTP client session."""

from __future__ import annotations

import aiohttp

from watchdog import __version__

__all__ = ["make_session"]


def make_session() -> aiohttp.ClientSession:
    """No cookies, no proxies from the environment, our own timeouts, our User-Agent."""
    connector = aiohttp.TCPConnector(limit=1000, limit_per_host=0, ttl_dns_cache=10)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None),
        headers={"User-Agent": f"monitor-watchdog/{__version__}"},
        trust_env=False,
    )
