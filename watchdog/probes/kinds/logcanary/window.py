"""What a backend search is asked for and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SearchError", "SearchResult", "SearchWindow"]


class SearchError(Exception):
    """A backend could not be searched; the message says why (no secrets)."""


@dataclass(frozen=True)
class SearchWindow:
    """The pending canary ids (oldest first) and the time range they can be in."""

    ids: list[str]
    start: float
    end: float
    body_limit: int


@dataclass
class SearchResult:
    """The texts a backend returned, and a warning when the answer was incomplete."""

    texts: list[str] = field(default_factory=list)
    warning: str | None = None
