"""The one error type of the host checks."""

from __future__ import annotations

__all__ = ["BaselineError", "HostCheckError"]


class HostCheckError(Exception):
    """A host check could not run; the message says what and why."""


class BaselineError(HostCheckError):
    """The stored file baseline is missing pieces, corrupt, or was recorded differently."""
