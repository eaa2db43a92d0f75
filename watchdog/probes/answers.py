"""Reading what components answer: short reasons for error messages, and metric selection."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from watchdog.redact import redact
from watchdog.samples import Sample

__all__ = ["keep_metrics", "reason_text"]

_MAX_REASON = 200


def reason_text(body: bytes | str, limit: int = _MAX_REASON) -> str:
    """A one-line, length-capped, secret-free version of a response body for an error message.

    Multi-line bodies (Loki's "Some services are not Running:" list) are joined with ``; ``.
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = "; ".join(lines)
    if len(joined) > limit:
        joined = joined[: limit - 1] + "…"
    return redact(joined) or "(empty body)"


def keep_metrics(
    samples: Iterable[Sample],
    names: Collection[str] = (),
    prefixes: tuple[str, ...] = (),
) -> list[Sample]:
    """The samples whose metric name is in ``names`` or starts with one of ``prefixes``."""
    return [s for s in samples if s.name in names or (prefixes and s.name.startswith(prefixes))]
