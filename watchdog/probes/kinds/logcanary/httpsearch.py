"""Search any HTTP log API: one request per pending canary, built from a URL (and body) template.

Placeholders: ``{id}``, ``{start}``/``{end}`` (Unix seconds), ``{start_ms}``/``{end_ms}``,
``{start_ns}``/``{end_ns}`` and ``{start_rfc3339}``/``{end_rfc3339}``; values are URL-encoded in
the URL and inserted as they are in the body. Braces that are not a placeholder (a JSON body's)
are left alone. The lines are read from the answer with ``json_path``, ``line_regex``, or, when
neither is set, the whole body is searched for the canary.
"""

from __future__ import annotations

import json

import aiohttp

from watchdog.probes.answers import reason_text
from watchdog.probes.jsonpath import texts_at
from watchdog.probes.kinds.logcanary.config import HttpSearchBackend
from watchdog.probes.kinds.logcanary.window import SearchError, SearchResult, SearchWindow
from watchdog.probes.urltemplate import fill_template, time_values
from watchdog.redact import redact_url
from watchdog.userregex import compile_regex

__all__ = ["search_http", "template_values"]


def template_values(canary_id: str, window: SearchWindow) -> dict[str, str]:
    """The value of every placeholder for one canary."""
    return {"id": canary_id, **time_values(window.start, window.end)}


def _lines(backend: HttpSearchBackend, body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    if backend.json_path is not None:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise SearchError(f"answer is not JSON (json_path set): {exc}") from None
        return texts_at(document, backend.json_path)
    if backend.line_regex is not None:
        pattern = compile_regex(backend.line_regex)
        group = 1 if pattern.groups else 0
        return [m.group(group) or "" for m in pattern.finditer(text)]
    return [text]


async def search_http(
    session: aiohttp.ClientSession, backend: HttpSearchBackend, window: SearchWindow
) -> SearchResult:
    """One request per pending id, oldest first."""
    texts: list[str] = []
    for canary_id in window.ids:
        values = template_values(canary_id, window)
        url = fill_template(backend.url, values, url=True)
        data = None
        headers: dict[str, str] = {}
        if backend.body is not None:
            body = fill_template(backend.body, values, url=False)
            data = body.encode()
            try:
                json.loads(body)
                headers["Content-Type"] = "application/json"
            except ValueError:
                headers["Content-Type"] = "text/plain; charset=utf-8"
        response = await backend.request(
            session, url, limit=window.body_limit, method=backend.method, headers=headers, data=data
        )
        if not 200 <= response.status < 300:
            raise SearchError(
                f"{redact_url(url)} answered HTTP {response.status}: {reason_text(response.body)}"
            )
        texts.extend(_lines(backend, response.body))
    return SearchResult(texts)
