"""A config field holding a regular expression, checked when the config is loaded."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["Regex"]


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"regular expression {value!r} does not compile: {exc}") from None
    return value


Regex = Annotated[str, AfterValidator(_compiles)]
"""A Python regular expression (``re`` syntax), refused at load time when it does not compile."""
