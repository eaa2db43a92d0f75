"""The ``dns`` probe against a real DNS server on loopback (``tests.support.dns_peer``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from devstack.procs import free_port
from tests.support.dns_peer import DnsPeer, serve_dns
from tests.support.probe_harness import run_target, value_of
from watchdog.probes.kinds.dns import DnsTarget


@pytest.fixture
async def peer() -> AsyncIterator[DnsPeer]:
    async with serve_dns() as server:
        yield server


def _target(peer: DnsPeer, name: str, **extra: Any) -> dict[str, Any]:
    return {"job": "dns", "kind": "dns", "query_name": name, "nameserver": peer.address, **extra}


async def test_expected_a_records_match(peer: DnsPeer, tmp_path: Path) -> None:
    """Answers equal to expected_answers (any order): success, count 2, match 1, a lookup time."""
    target = _target(peer, "ok.test", expected_answers=["192.0.2.2", "192.0.2.1"])
    outcome = await run_target(target, tmp_path)
    assert outcome.success, outcome.error
    assert value_of(outcome, "probe_dns_answer_rrs") == 2.0
    assert value_of(outcome, "probe_dns_answer_match") == 1.0
    assert value_of(outcome, "probe_dns_lookup_time_seconds") is not None
    assert outcome.facts["answers"] == "192.0.2.1, 192.0.2.2"
    assert peer.queries["ok.test."] == 1


async def test_unexpected_answers_fail_with_both_sets(peer: DnsPeer, tmp_path: Path) -> None:
    """A different answer set is up but failed, naming what came and what was expected."""
    outcome = await run_target(_target(peer, "ok.test", expected_answers=["192.0.2.9"]), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert value_of(outcome, "probe_dns_answer_match") == 0.0
    assert outcome.error == "answers 192.0.2.1, 192.0.2.2 differ from expected 192.0.2.9"


async def test_txt_answer_regex(peer: DnsPeer, tmp_path: Path) -> None:
    """TXT strings are compared unquoted; every answer must match answer_regex."""
    good = await run_target(
        _target(peer, "ok.test", record_type="TXT", answer_regex="^hello"), tmp_path
    )
    bad = await run_target(
        _target(peer, "ok.test", record_type="TXT", answer_regex="^bye"), tmp_path / "b"
    )
    assert good.success, good.error
    assert not bad.success
    assert bad.error == "answers hello world do not match answer_regex"


@pytest.mark.parametrize(
    ("record_type", "expected"),
    [("MX", "10 Mail.OK.test."), ("SRV", "0 5 5060 sip.ok.test"), ("CNAME", "ok.test.")],
)
async def test_name_records_compare_without_case_or_final_dot(
    peer: DnsPeer, tmp_path: Path, record_type: str, expected: str
) -> None:
    """MX, SRV and CNAME answers compare case-insensitively and without the final dot."""
    name = "alias.test" if record_type == "CNAME" else "ok.test"
    outcome = await run_target(
        _target(peer, name, record_type=record_type, expected_answers=[expected]), tmp_path
    )
    assert outcome.success, outcome.error


async def test_cname_chain_is_followed_for_a(peer: DnsPeer, tmp_path: Path) -> None:
    """An A query for an alias counts the A records at the end of the chain."""
    outcome = await run_target(_target(peer, "alias.test"), tmp_path)
    assert outcome.success, outcome.error
    assert value_of(outcome, "probe_dns_answer_rrs") == 2.0


async def test_nodata_is_a_failed_check(peer: DnsPeer, tmp_path: Path) -> None:
    """NOERROR without records of the type: the server works (up 1), the check fails."""
    outcome = await run_target(_target(peer, "ok.test", record_type="AAAA"), tmp_path)
    assert outcome.up
    assert not outcome.success
    assert value_of(outcome, "probe_dns_answer_rrs") == 0.0
    assert outcome.error == "ok.test AAAA: the answer has no AAAA records"


async def test_nxdomain_is_an_error(peer: DnsPeer, tmp_path: Path) -> None:
    """NXDOMAIN cannot be resolved around: up 0, named with the server asked."""
    outcome = await run_target(_target(peer, "missing.test"), tmp_path)
    assert not outcome.up
    assert outcome.error == (
        f"missing.test A: NXDOMAIN (the name does not exist) according to {peer.address}"
    )


@pytest.mark.parametrize(
    ("name", "rcode"), [("broken.test", "SERVFAIL"), ("refused.test", "REFUSED")]
)
async def test_error_rcodes_name_server_and_code(
    peer: DnsPeer, tmp_path: Path, name: str, rcode: str
) -> None:
    """SERVFAIL and REFUSED are errors saying which server answered what."""
    outcome = await run_target(_target(peer, name), tmp_path)
    assert not outcome.up
    assert outcome.error == (
        f"{name} A: every nameserver failed: 127.0.0.1@{peer.port} answered {rcode}"
    )


@pytest.mark.parametrize("name", ["silent.test", "garbage.test"])
async def test_no_usable_answer_times_out_precisely(
    peer: DnsPeer, tmp_path: Path, name: str
) -> None:
    """Silence, or a reply that is not DNS (ignored like stray packets), ends in our own timeout."""
    outcome = await run_target(_target(peer, name), tmp_path, probe_timeout="1s")
    assert not outcome.up
    assert outcome.error == f"{name} A: no answer from 127.0.0.1@{peer.port} within 0.75s"
    assert peer.queries[f"{name}."] >= 1


async def test_truncated_reply_without_tcp_service(peer: DnsPeer, tmp_path: Path) -> None:
    """A reply too big for UDP is retried over TCP; with no TCP service both failures show."""
    outcome = await run_target(_target(peer, "big.test"), tmp_path)
    assert not outcome.up
    assert outcome.error == (
        f"big.test A: every nameserver failed: 127.0.0.1@{peer.port} sent a truncated reply; "
        f"127.0.0.1@{peer.port} over TCP unreachable: connection refused"
    )


async def test_nothing_listening_on_the_nameserver_port(tmp_path: Path) -> None:
    """Nothing listening at the nameserver: a timeout naming it (UDP gets no refusal here)."""
    port = free_port()
    target = {
        "job": "dns",
        "kind": "dns",
        "query_name": "x.test",
        "nameserver": f"127.0.0.1:{port}",
    }
    outcome = await run_target(target, tmp_path, probe_timeout="1s")
    assert not outcome.up
    assert outcome.error == f"x.test A: no answer from 127.0.0.1@{port} within 0.75s"


@pytest.mark.parametrize(
    "name",
    [
        "vault.internal",
        "vault.internal.",
        ".",
        "_vault._tcp.service.consul",
        "*.example",
        "a..b",
        ".a",
        "x" * 63 + ".example",
        "x" * 64 + ".example",
        "a." * 127,
        "a." * 128,
        "ex\\.ample.org",
        "bücher.example",
    ],
)
def test_query_names_are_judged_as_dnspython_judges_them(name: str) -> None:
    """The config check of query_name (pure Python for plain names) agrees with dnspython."""
    import dns.exception
    import dns.name

    try:
        dns.name.from_text(name)
        expected = None
    except dns.exception.DNSException as exc:
        expected = f"query_name is not a valid DNS name: {exc}"
    try:
        DnsTarget.model_validate({"job": "dns", "kind": "dns", "query_name": name})
        found = None
    except ValidationError as exc:
        found = exc.errors()[0]["msg"].removeprefix("Value error, ")
    assert found == expected
