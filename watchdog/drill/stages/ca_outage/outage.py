"""One CA-outage drill: the seed's "simulate CA unavailability; existing certificates remain
valid; renewal recovers when the CA returns".

1. **Stop** the CA (the configured command), or take it as already down; with ``ca_url``,
   confirm it no longer answers (a CA that still answers means no outage was drilled).
2. **Outage**: for ``outage`` seconds, every ``interval``, probe every watched certificate
   target with its own probe: each must be reachable and each certificate (and CRL) valid for
   at least ``margin`` more; the least validity seen is reported per certificate.
3. **Start** the CA again — always, also when a step failed or the drill is interrupted — and,
   with ``ca_url``, see it answer again.
4. **Renewal**: poll the renewal condition every ``interval`` until it holds (measured from the
   start command's end against ``targets.renewal``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from watchdog.config.httpclient import ssl_context_for
from watchdog.config.targets import TargetSpec
from watchdog.drill.command import run_command
from watchdog.drill.interrupt import uninterrupted
from watchdog.drill.outcome import PASSED, ChannelResult, Step, seconds
from watchdog.drill.stages.ca_outage.certificates import CertCheck, check_certificates, query_holds
from watchdog.drill.stages.ca_outage.settings import CaOutageSettings
from watchdog.durations import format_duration
from watchdog.httperrors import describe_http_failure
from watchdog.probes.x509util import describe_remaining
from watchdog.promql.query import Query

__all__ = ["Outage", "drill_ca_outage"]


@dataclass
class Outage:
    """Everything one CA-outage drill uses."""

    settings: CaOutageSettings
    result: ChannelResult
    session: aiohttp.ClientSession
    certificates: list[TargetSpec]
    renewal_targets: list[TargetSpec]
    cwd: Path
    body_limit: int
    least: dict[tuple[str, str], float] = field(default_factory=dict)
    """(target, certificate) → the least validity left seen during the outage."""
    outage_not_after: float = 0.0
    """The renewal certificate's latest notAfter while the CA was away."""

    def step(self, step: Step) -> None:
        """Record a step."""
        self.result.add(step)


async def drill_ca_outage(outage: Outage) -> None:
    """The whole stage, recorded in ``outage.result``."""
    began = time.monotonic()
    settings = outage.settings
    started_ok, held = True, False
    try:
        stopped = True
        if settings.stop is not None:
            command = run_command(outage.result, "stop command", settings.stop, cwd=outage.cwd)
            stopped = (await command).ok
        if stopped and await _ca_answers(outage, expected=False):
            await _hold(outage)
            held = True
    finally:
        if settings.start is not None:
            command = run_command(outage.result, "start command", settings.start, cwd=outage.cwd)
            started_ok = (await uninterrupted(command)).ok
    if held and started_ok:
        since = time.monotonic()
        if await _ca_answers(outage, expected=True):
            await _renewal(outage, since)
    outage.result.latency = time.monotonic() - began
    if outage.result.passed:
        outage.result.outcome = PASSED


async def _ca_answers(outage: Outage, *, expected: bool) -> bool:
    """With ``ca_url``: is the CA up (``expected``) / down (not ``expected``)? Recorded."""
    settings = outage.settings
    if settings.ca_url is None:
        return True
    name = "CA back" if expected else "CA down"
    until = time.monotonic() + (settings.targets.renewal if expected else settings.timeout)
    while True:
        answer = await _probe_ca(outage)
        up = answer.startswith("HTTP 2")
        if up == expected:
            outage.step(Step(name, True, None, f"{settings.ca_url}: {answer}"))
            return True
        if time.monotonic() >= until:
            how = "still answers: no outage was drilled" if up else "does not answer again"
            outage.step(Step(name, False, None, f"the CA {how} ({answer})"))
            return False
        await asyncio.sleep(min(settings.interval, 1.0))


async def _probe_ca(outage: Outage) -> str:
    settings = outage.settings
    assert settings.ca_url is not None
    try:
        async with asyncio.timeout(settings.timeout):
            async with outage.session.get(
                settings.ca_url, ssl=ssl_context_for(settings.ca_url, settings.ca_tls) or True
            ) as response:
                return f"HTTP {response.status}"
    except TimeoutError:
        return f"no answer within {format_duration(settings.timeout)}"
    except (aiohttp.ClientError, OSError) as exc:
        return describe_http_failure(exc) or type(exc).__name__


async def _hold(outage: Outage) -> None:
    """Check the certificates for the length of the outage."""
    settings = outage.settings
    end = time.monotonic() + settings.outage
    rounds = 0
    problems: dict[str, str] = {}
    while True:
        check = await check_certificates(outage.certificates, outage.session, outage.body_limit)
        rounds += 1
        _remember(outage, check, problems)
        left = end - time.monotonic()
        if left <= 0:
            break
        await asyncio.sleep(min(settings.interval, left))
    margin = format_duration(settings.margin)
    for (target, what), least in sorted(outage.least.items()):
        ok = least >= settings.margin
        detail = f"{describe_remaining(least)} at the least (margin {margin})"
        outage.step(Step(f"valid: {target} {what}", ok, None, detail))
    for target, error in sorted(problems.items()):
        outage.step(Step(f"reachable: {target}", False, None, f"during the outage: {error}"))
    if not outage.least and not problems:
        outage.step(Step("certificates", False, None, "no certificate found to check"))
    span = format_duration(float(int(settings.outage)))
    outage.step(Step("outage", True, None, f"{rounds} check(s) over {span} without the CA"))


def _remember(outage: Outage, check: CertCheck, problems: dict[str, str]) -> None:
    now = time.time()
    for validity in check.validities:
        key = (validity.target, validity.what)
        left = validity.not_after - now
        outage.least[key] = min(left, outage.least.get(key, left))
        if outage.settings.renewal.certificate == validity.job and not validity.is_crl:
            outage.outage_not_after = max(outage.outage_not_after, validity.not_after)
    for target, error in check.errors.items():
        problems.setdefault(target, error)


async def _renewal(outage: Outage, since: float) -> None:
    settings = outage.settings
    condition = settings.renewal
    target = settings.targets.renewal
    query = Query.parse(condition.query) if condition.query is not None else None
    last = "not checked yet"
    while True:
        if query is not None:
            holds, last = await query_holds(
                query, outage.renewal_targets, outage.session, outage.body_limit
            )
        else:
            holds, last = await _moved_forward(outage)
        took = time.monotonic() - since
        if holds:
            detail = f"{last}, {seconds(took)} after the CA returned"
            outage.step(Step("renewal recovered", took <= target, took, detail, target=target))
            return
        if took >= target:
            detail = f"not within {format_duration(target)}; last: {last}"
            outage.step(Step("renewal recovered", False, None, detail, target=target))
            return
        await asyncio.sleep(min(settings.interval, max(0.0, target - took)))


async def _moved_forward(outage: Outage) -> tuple[bool, str]:
    check = await check_certificates(outage.renewal_targets, outage.session, outage.body_limit)
    if check.errors:
        return False, "; ".join(f"{k}: {v}" for k, v in check.errors.items())
    latest = max((v.not_after for v in check.validities if not v.is_crl), default=0.0)
    if latest > outage.outage_not_after:
        moved = format_duration(float(int(latest - outage.outage_not_after)))
        return True, f"notAfter moved forward by {moved}"
    return False, "notAfter has not moved since the outage"
