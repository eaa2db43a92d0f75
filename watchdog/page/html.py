"""Escaping for the server-rendered page: every value from outside goes through ``e``.

Labels, annotations, probe errors and facts can hold anything a target or a rule template
produced, so nothing is interpolated into the page unescaped; ``link`` also refuses any
``href`` that is not a path on this server.
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

__all__ = ["api_link", "e", "link", "query_url"]


def e(value: object) -> str:
    """``value`` as text safe inside an element or a quoted attribute."""
    return html.escape(str(value), quote=True)


def query_url(path: str, **params: str) -> str:
    """A local URL with its query string encoded (empty values left out)."""
    kept = {k: v for k, v in params.items() if v}
    return quote(path) + (f"?{urlencode(kept)}" if kept else "")


def link(href: str, text: str, *, cls: str = "", label: str = "") -> str:
    """An anchor to a path on this server (``href`` must start with ``/`` or ``#``)."""
    if not href.startswith(("/", "#")) or href.startswith("//"):
        raise ValueError(f"not a local link: {href!r}")
    extra = f' class="{e(cls)}"' if cls else ""
    extra += f' aria-label="{e(label)}"' if label else ""
    return f'<a href="{e(href)}"{extra}>{e(text)}</a>'


def api_link(href: str, what: str) -> str:
    """The small "JSON" link to an element's API twin."""
    return link(href, "JSON", cls="json", label=f"JSON of {what}")
