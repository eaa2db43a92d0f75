"""Canary ids, lines and checksums."""

from __future__ import annotations

import json

from devstack.fakes.shipper import flip_last_char
from watchdog.probes.kinds.logcanary.line import DEFAULT_TAG, Verdict, make_canary, verify_in

NOW = 1_700_000_000.123


def test_id_carries_time_and_nonce():
    """The id is the emission time in ms and the nonce; the line carries tag, id, src, sum."""
    canary = make_canary(DEFAULT_TAG, "log-canary/host:9", NOW, nonce="00112233aabbccdd")
    assert canary.id == "1700000000123-00112233aabbccdd"
    assert canary.text.startswith(f"{DEFAULT_TAG} id={canary.id} src=log-canary_host:9 sum=")
    assert len(canary.text) < 120


def test_random_nonces_differ():
    """Two canaries at the same instant still get different ids."""
    assert make_canary(DEFAULT_TAG, "a", NOW).id != make_canary(DEFAULT_TAG, "a", NOW).id


def test_intact_line_verifies_even_inside_a_json_record():
    """A shipper's framing (a JSON record, a syslog prefix) is not mangling."""
    canary = make_canary(DEFAULT_TAG, "src", NOW)
    wrapped = json.dumps({"log": canary.text, "stream": "stdout"})
    assert verify_in(wrapped, DEFAULT_TAG, canary.id) is Verdict.INTACT
    prefixed = f"<133>1 2023-11-14T22:13:20.123Z host app 1 canary - {canary.text}"
    assert verify_in(prefixed, DEFAULT_TAG, canary.id) is Verdict.INTACT


def test_changed_byte_is_mangled():
    """One altered byte anywhere but the id makes the checksum fail."""
    canary = make_canary(DEFAULT_TAG, "src", NOW)
    assert verify_in(flip_last_char(canary.text), DEFAULT_TAG, canary.id) is Verdict.MANGLED
    altered_src = canary.text.replace("src=src", "src=srk")
    assert verify_in(altered_src, DEFAULT_TAG, canary.id) is Verdict.MANGLED


def test_truncated_line_is_mangled():
    """A line cut before its checksum still names the id, so it counts as mangled."""
    canary = make_canary(DEFAULT_TAG, "src", NOW)
    assert verify_in(canary.text[:60], DEFAULT_TAG, canary.id) is Verdict.MANGLED


def test_other_canary_is_absent():
    """Text without the id is absent, whatever else it contains."""
    one, other = make_canary(DEFAULT_TAG, "s", NOW), make_canary(DEFAULT_TAG, "s", NOW)
    assert verify_in(other.text, DEFAULT_TAG, one.id) is Verdict.ABSENT
