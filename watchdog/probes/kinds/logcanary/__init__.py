"""``logcanary``: prove end to end that every log backend receives, and how late.

Each run appends one uniquely identified, checksummed canary line to the pipeline's input and
searches every backend for the canaries still pending there; see ``docs/probes-logs.md`` for the
design (ids, checksum, deadline, lost / lag / divergence semantics, rate limits).
"""

from __future__ import annotations

from watchdog.probes.base import ProbeKind
from watchdog.probes.kinds.logcanary.config import LogCanaryTarget
from watchdog.probes.kinds.logcanary.probe import forget_target, probe_logcanary
from watchdog.probes.kinds.logcanary.report import SERIES

__all__ = ["KIND", "LogCanaryTarget"]

KIND = ProbeKind(
    name="logcanary",
    config=LogCanaryTarget,
    run=probe_logcanary,
    produces=SERIES,
    forget=forget_target,
    summary="End-to-end log canary: emit a checksummed line, find it in every backend",
)
