"""What a probe error usually means, in a sentence the on-call can act on.

Probe errors are already short and precise (``connection failed: connection refused``);
at three in the morning the next question is "so what does that mean". The first pattern
that matches gives the hint; an error nothing matches gets none (the error stands alone).
"""

from __future__ import annotations

import re

__all__ = ["hint_for"]

_HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"connection refused", re.I),
        "Nothing listens there: the process is down, restarting, or on another port.",
    ),
    (
        re.compile(r"timed out|no answer|timeout", re.I),
        "It accepted nothing or answered too slowly: overloaded, hung, or a firewall drops"
        " the packets.",
    ),
    (
        re.compile(r"no route to host|network is unreachable|host is unreachable", re.I),
        "The network path is broken: host down, routing or firewall.",
    ),
    (
        re.compile(r"DNS lookup failed|name or service not known|NXDOMAIN", re.I),
        "The name does not resolve: DNS is down or the record is gone.",
    ),
    (
        re.compile(r"certificate has expired|expired", re.I),
        "A certificate has expired: renew it (and check why renewal did not happen).",
    ),
    (
        re.compile(r"certificate verif|unable to get local issuer|self.signed", re.I),
        "Its certificate is not trusted by the configured CA: wrong CA bundle, or an"
        " unexpected certificate (interception?).",
    ),
    (
        re.compile(r"\bsealed\b", re.I),
        "Vault is sealed: it serves no secrets until enough key holders unseal it.",
    ),
    (
        re.compile(r"HTTP 5\d\d|status 5\d\d", re.I),
        "It answered with a server error: it runs but is unhealthy; its own logs say why.",
    ),
    (
        re.compile(r"HTTP 40[13]|status 40[13]|permission denied|forbidden", re.I),
        "Credentials were refused: an expired or rotated token, or a changed policy.",
    ),
    (
        re.compile(r"closed the connection|connection reset|broken pipe", re.I),
        "The connection was cut: the process crashed or restarted mid-answer, or a proxy"
        " dropped it.",
    ),
    (
        re.compile(r"over the limit|larger than|too large", re.I),
        "It answered with far more than expected: a misconfiguration or a hostile answer.",
    ),
    (
        re.compile(r"no such file|does not exist|not found", re.I),
        "What it should read is missing: a path changed, or the producer stopped writing.",
    ),
]


def hint_for(error: str) -> str | None:
    """The plain-words meaning of ``error``, or None when there is none to add."""
    for pattern, hint in _HINTS:
        if pattern.search(error):
            return hint
    return None
