"""Refuse Go RE2 regex syntax that Python's ``re`` lacks or reads differently.

promql-parser already rejects what RE2 rejects (look-arounds, back-references). What is left
are RE2 features Python does not have: they are refused rather than matched differently.
Character classes are ASCII as in Go (patterns are compiled with ``re.ASCII``).
"""

from __future__ import annotations

import re

from watchdog.promql.errors import UnsupportedError

__all__ = ["check_re2"]

_ODD_BACKSLASHES = r"(?<!\\)(?:\\\\)*\\"
_FEATURES = (
    (re.compile(_ODD_BACKSLASHES + r"[pP]"), r"Unicode classes (\p{...})"),
    (re.compile(_ODD_BACKSLASHES + r"[zQEC]"), r"the escapes \z, \Q...\E and \C"),
    (re.compile(r"\[:\^?[a-z]+:\]"), "POSIX classes ([[:alpha:]])"),
    (re.compile(r"\(\?[a-zA-Z]*U"), "the U (ungreedy) flag"),
)


def check_re2(pattern: str, where: str) -> None:
    """Raise UnsupportedError if ``pattern`` uses RE2 syntax we cannot reproduce."""
    for finder, feature in _FEATURES:
        if finder.search(pattern):
            raise UnsupportedError(
                f"regular expression '{pattern}' in {where} uses {feature}, which is not supported"
            )
