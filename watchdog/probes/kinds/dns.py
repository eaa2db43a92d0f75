"""``dns``: resolve one name and, optionally, check the answers.

Resolution runs on dnspython's asyncio resolver, against the system's resolvers or one given
``nameserver``. NXDOMAIN, SERVFAIL, REFUSED, malformed replies and timeouts cannot be resolved
around: they are errors (``up`` 0) naming the server and what it said. An answer that is empty
or differs from ``expected_answers`` / ``answer_regex`` is a failed check (``up`` 1,
``probe_success`` 0). Series follow blackbox_exporter's names where it has one.
"""

from __future__ import annotations

import ipaddress
import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationInfo, field_validator

from watchdog.config.regex import Regex
from watchdog.config.targets import TargetBase
from watchdog.probes.base import (
    ProbeContext,
    ProbeError,
    ProbeKind,
    ProbeResult,
    describe_os_error,
)
from watchdog.samples import Sample
from watchdog.userregex import compile_regex

if TYPE_CHECKING:
    import dns.asyncresolver
    import dns.exception
    import dns.rdata

# dnspython is imported where it is used: loading a config without a dns target (check, --help
# of every command) need not pay for it.

__all__ = ["KIND", "DnsTarget", "normalize_answer", "render_rdata"]

RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "SRV"]
_SHOWN_ANSWERS = 5


def _host_port(value: str) -> tuple[str, int]:
    """``ip``, ``ip:port`` or ``[v6]:port`` (dnspython needs an address, not a host name)."""
    host, port = value, 53
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"nameserver {value!r}: expected [address]:port")
            port = int(rest[1:])
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
        if not port_text.isdigit():
            raise ValueError(f"nameserver {value!r}: port must be a number")
        port = int(port_text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"nameserver {value!r} must be an IP address (optionally :port)") from None
    if not 0 < port < 65536:
        raise ValueError(f"nameserver {value!r}: port out of range 1-65535")
    return host, port


def _name(text: str) -> str:
    return text.lower().rstrip(".")


def normalize_answer(record_type: str, text: str) -> str:
    """One answer in the canonical form ``render_rdata`` produces, for comparison."""
    text = text.strip()
    if record_type in ("A", "AAAA"):
        return str(ipaddress.ip_address(text))
    if record_type == "CNAME":
        return _name(text)
    if record_type == "MX":
        preference, exchange = text.split()
        return f"{int(preference)} {_name(exchange)}"
    if record_type == "SRV":
        priority, weight, port, target = text.split()
        return f"{int(priority)} {int(weight)} {int(port)} {_name(target)}"
    return text  # TXT: the strings of one record, concatenated


def _plain_name_problem(name: str) -> str | None:
    """dnspython's verdict on a plain ASCII name without escapes, without importing it.

    Loading a config with a dns target should not cost dnspython's import; the limits are
    RFC 1035's, in dnspython's words.
    """
    if not name.isascii() or "\\" in name:
        return None
    labels = name.removesuffix(".").split(".") if name != "." else []
    if any(not label for label in labels):
        return "A DNS label is empty."
    if any(len(label) > 63 for label in labels):
        return "A DNS label is > 63 octets long."
    if sum(len(label) + 1 for label in labels) + 1 > 255:
        return "A DNS name is > 255 octets long."
    return None


def render_rdata(rdata: dns.rdata.Rdata) -> str:
    """A record's data as text: address, name, ``pref exchange``, ``prio weight port target``."""
    import dns.rdatatype

    kind = dns.rdatatype.to_text(rdata.rdtype)
    if kind in ("A", "AAAA"):
        return str(ipaddress.ip_address(rdata.address))  # type: ignore[attr-defined]
    if kind == "TXT":
        return b"".join(rdata.strings).decode("utf-8", errors="replace")  # type: ignore[attr-defined]
    return normalize_answer(kind, rdata.to_text())


class DnsTarget(TargetBase):
    """Settings of a ``dns`` target."""

    kind: Literal["dns"]
    query_name: str = Field(min_length=1)
    record_type: RecordType = "A"
    nameserver: str | None = None
    """``ip`` or ``ip:port``; default: the system's resolvers (``/etc/resolv.conf``)."""
    expected_answers: list[str] | None = None
    """The exact set of answers (order does not matter)."""
    answer_regex: Regex | None = None
    """Every answer must match this regular expression (searched, not anchored)."""

    @field_validator("query_name")
    @classmethod
    def _query_name(cls, value: str) -> str:
        problem = _plain_name_problem(value)
        if problem is None and not (value.isascii() and "\\" not in value):
            import dns.exception  # escapes and IDNA: dnspython's own reading
            import dns.name

            try:
                dns.name.from_text(value)
            except dns.exception.DNSException as exc:
                problem = str(exc)
        if problem:
            raise ValueError(f"query_name is not a valid DNS name: {problem}")
        return value

    @field_validator("nameserver")
    @classmethod
    def _nameserver(cls, value: str | None) -> str | None:
        if value is not None:
            _host_port(value)
        return value

    @field_validator("expected_answers")
    @classmethod
    def _expected_parse(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        record_type = info.data.get("record_type", "A")
        for answer in value or ():
            try:
                normalize_answer(record_type, answer)
            except ValueError:
                raise ValueError(f"{answer!r} is not a valid {record_type} answer") from None
        return value

    def default_instance(self) -> str:
        """The name queried, and the nameserver when one is given."""
        suffix = f"@{self.nameserver}" if self.nameserver else ""
        return f"{self.query_name}{suffix}"


async def probe_dns(ctx: ProbeContext[DnsTarget]) -> ProbeResult:
    """Resolve, count, time and compare."""
    import dns.exception
    import dns.resolver

    cfg = ctx.config
    what = f"{cfg.query_name} {cfg.record_type}"
    # dnspython sleeps briefly after a timed-out try: leave room for it within the probe timeout.
    resolver = _resolver(cfg, lifetime=max(0.1, ctx.timeout * 0.75))
    t0 = time.perf_counter()
    try:
        answer = await resolver.resolve(
            cfg.query_name, cfg.record_type, search=False, raise_on_no_answer=False
        )
    except dns.resolver.NXDOMAIN:
        raise ProbeError(f"{what}: NXDOMAIN (the name does not exist){_via(cfg)}") from None
    except dns.resolver.LifetimeTimeout:
        servers = ", ".join(f"{ns}@{resolver.port}" for ns in resolver.nameservers)
        raise ProbeError(
            f"{what}: no answer from {servers} within {resolver.lifetime:g}s"
        ) from None
    except dns.resolver.NoNameservers as exc:
        raise ProbeError(f"{what}: every nameserver failed: {_server_errors(exc)}") from None
    except dns.resolver.NoResolverConfiguration:
        raise ProbeError("no nameserver configured on this host (/etc/resolv.conf)") from None
    except dns.exception.DNSException as exc:
        raise ProbeError(f"{what}: {type(exc).__name__}: {exc}") from None
    elapsed = time.perf_counter() - t0
    answers = sorted(render_rdata(rdata) for rdata in (answer.rrset or ()))
    samples = [
        Sample("probe_dns_answer_rrs", float(len(answers))),
        Sample("probe_dns_lookup_time_seconds", elapsed),
    ]
    facts = {"answers": _show(answers) or "(none)", "server": f"{answer.nameserver}@{answer.port}"}
    failure = None if answers else f"{what}: the answer has no {cfg.record_type} records"
    mismatch = _mismatch(cfg, answers)
    if cfg.expected_answers is not None or cfg.answer_regex is not None:
        samples.append(Sample("probe_dns_answer_match", 0.0 if mismatch else 1.0))
    return ProbeResult(samples, failure or mismatch, facts)


def _resolver(cfg: DnsTarget, lifetime: float) -> dns.asyncresolver.Resolver:
    import dns.asyncresolver

    if cfg.nameserver is None:
        resolver = dns.asyncresolver.Resolver(configure=True)
    else:
        host, port = _host_port(cfg.nameserver)
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    resolver.cache = None
    resolver.lifetime = lifetime
    resolver.timeout = lifetime
    return resolver


def _mismatch(cfg: DnsTarget, answers: list[str]) -> str | None:
    if cfg.expected_answers is not None:
        wanted = sorted({normalize_answer(cfg.record_type, a) for a in cfg.expected_answers})
        if sorted(set(answers)) != wanted:
            return f"answers {_show(answers) or '(none)'} differ from expected {_show(wanted)}"
    if cfg.answer_regex is not None:
        pattern = compile_regex(cfg.answer_regex)
        bad = [a for a in answers if not pattern.matches(a)]
        if bad or not answers:
            return f"answers {_show(bad) or '(none)'} do not match answer_regex"
    return None


def _show(answers: list[str]) -> str:
    shown = ", ".join(a[:80] for a in answers[:_SHOWN_ANSWERS])
    more = len(answers) - _SHOWN_ANSWERS
    return f"{shown} and {more} more" if more > 0 else shown


def _via(cfg: DnsTarget) -> str:
    return f" according to {cfg.nameserver}" if cfg.nameserver else ""


def _server_errors(exc: dns.exception.DNSException) -> str:
    errors = exc.kwargs.get("errors") or []
    texts = []
    for server, tcp, _port, error, _response in errors:
        via = " over TCP" if tcp else ""
        texts.append(f"{str(server).removeprefix('Do53:')}{via} {_describe(error)}")
    return "; ".join(dict.fromkeys(texts)) or "no server answered"


def _describe(error: object) -> str:
    import dns.exception
    import dns.message

    if isinstance(error, str):
        return f"answered {error}"  # an rcode such as SERVFAIL or REFUSED
    if isinstance(error, dns.exception.Timeout):
        return "did not answer"
    if isinstance(error, OSError):
        return f"unreachable: {describe_os_error(error)}"
    if isinstance(error, dns.message.Truncated):
        return "sent a truncated reply"
    if isinstance(error, dns.exception.FormError | EOFError):
        return f"sent a malformed reply ({error})"
    return f"failed: {type(error).__name__}: {error}"


KIND = ProbeKind(
    name="dns",
    config=DnsTarget,
    run=probe_dns,
    produces=frozenset(
        {"probe_dns_answer_rrs", "probe_dns_lookup_time_seconds", "probe_dns_answer_match"}
    ),
    summary="DNS resolution: answer count, lookup time, expected answers",
)
