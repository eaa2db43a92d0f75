"""Check the watched certificates with the daemon's own probes (``tls``, ``certfile``, ``crl``):
one probe of each target, each certificate's (and CRL's) end of validity read from the series
the probe returns, and ``query`` renewal conditions evaluated over one probe of their targets."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from watchdog.clock import SystemClock
from watchdog.config.targets import TargetSpec
from watchdog.probes.runner import ProbeOutcome, probe_target
from watchdog.promql.query import Query, evaluate
from watchdog.promql.values import Scalar, String
from watchdog.samples import LabelSet
from watchdog.store import SampleStore

__all__ = ["CERT_KINDS", "CertCheck", "Validity", "check_certificates", "probe", "query_holds"]

CERT_KINDS = ("tls", "certfile", "crl")
_NOT_AFTER = {
    "watchdog_tls_cert_not_after_timestamp_seconds": "tls",
    "watchdog_certfile_not_after_timestamp_seconds": "certfile",
    "watchdog_crl_next_update_timestamp_seconds": "crl",
}


@dataclass(frozen=True)
class Validity:
    """One certificate (or CRL) and the end of its validity."""

    target: str
    """The target's ``job/instance``."""
    job: str
    what: str
    not_after: float
    is_crl: bool = False


@dataclass
class CertCheck:
    """One round: every validity found, and the targets that could not be probed."""

    validities: list[Validity] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


async def probe(
    specs: Sequence[TargetSpec], session: aiohttp.ClientSession, body_limit: int
) -> list[ProbeOutcome]:
    """One probe of each target, concurrently, with scratch state (nothing is kept)."""
    with tempfile.TemporaryDirectory(prefix="monitor-watchdog-drill-") as scratch:
        clock, state = SystemClock(), Path(scratch)
        return list(
            await asyncio.gather(
                *(probe_target(s, session, state, clock, body_limit) for s in specs)
            )
        )


def _describe(kind: str, labels: LabelSet, instance: str) -> str:
    name = labels.get("subject_cn") or "certificate"
    serial = labels.get("serial", "")
    if kind == "tls":
        return f"{name} (chain position {labels.get('position', '?')}, serial {serial})"
    if kind == "certfile":
        path = labels.get("path", "?")
        where = "" if path == instance else f" in {path}"
        return f"{name}{where} (serial {serial})"
    return "CRL next update"


async def check_certificates(
    specs: Sequence[TargetSpec], session: aiohttp.ClientSession, body_limit: int
) -> CertCheck:
    """Probe every certificate target once and read the validities."""
    check = CertCheck()
    for spec, outcome in zip(specs, await probe(specs, session, body_limit), strict=True):
        if not outcome.up:
            check.errors[spec.key] = outcome.error or "probe failed"
            continue
        for labels, value in sorted(outcome.series.items(), key=lambda kv: str(kv[0])):
            kind = _NOT_AFTER.get(labels.get("__name__", ""))
            if kind is None:
                continue
            what = _describe(kind, labels, spec.instance)
            check.validities.append(Validity(spec.key, spec.job, what, value, kind == "crl"))
    return check


async def query_holds(
    query: Query, specs: Sequence[TargetSpec], session: aiohttp.ClientSession, body_limit: int
) -> tuple[bool, str]:
    """Whether ``query`` over one probe of ``specs`` returns samples, all non-zero; and what
    it returned (or why it could not be evaluated)."""
    outcomes = await probe(specs, session, body_limit)
    store = SampleStore()
    now = SystemClock().now()
    down = [f"{s.key}: {o.error}" for s, o in zip(specs, outcomes, strict=True) if not o.up]
    for spec, outcome in zip(specs, outcomes, strict=True):
        store.ingest(spec.key, now, outcome.series)
    try:
        value = evaluate(query, store, now)
    except Exception as exc:
        return False, f"query failed: {exc}"
    if isinstance(value, String):
        return False, "the query returns a string"
    values = [value.value] if isinstance(value, Scalar) else [s.value for s in value]
    unreachable = f"; not probed: {'; '.join(down)}" if down else ""
    if not values:
        return False, f"no sample (absence is not health){unreachable}"
    shown = ", ".join(f"{v:g}" for v in values[:10])
    return all(v != 0 for v in values), f"{len(values)} sample(s): {shown}{unreachable}"
