"""A config field holding a regular expression, checked when the config is loaded."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from watchdog.userregex import RegexError, compile_regex

__all__ = ["Regex"]


def _compiles(value: str) -> str:
    try:
        compile_regex(value)
    except RegexError as exc:
        raise ValueError(str(exc)) from None
    return value


Regex = Annotated[str, AfterValidator(_compiles)]
"""A regular expression in RE2 syntax (Prometheus' dialect, :mod:`watchdog.userregex`),
refused at load time when it does not compile."""
