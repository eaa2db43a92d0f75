"""The ``certfile`` probe over real certificate files (PEM bundles, DER, globs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack.pki import TestPki, chain_pem, make_test_pki
from tests.support.probe_harness import config_issues, run_target, value, values
from watchdog.clock import FakeClock


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """The standard test PKI."""
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def _target(*paths: str | Path) -> dict[str, object]:
    return {"job": "certs", "kind": "certfile", "paths": [str(p) for p in paths]}


async def test_each_certificate_gets_its_expiry_labelled_by_file_cn_and_serial(
    pki: TestPki, tmp_path: Path
) -> None:
    """A bundle with a key: one series per certificate; the key is ignored."""
    bundle = tmp_path / "server.pem"
    bundle.write_bytes(pki.valid.key_pem() + chain_pem(pki.valid, pki.intermediate))
    clock = FakeClock(pki.now.timestamp())
    outcome = await run_target(_target(bundle), clock=clock)
    assert outcome.success, outcome.error
    leaf_serial = format(pki.valid.cert.serial_number, "x")
    expiry = value(
        outcome,
        "watchdog_certfile_not_after_timestamp_seconds",
        path=str(bundle),
        subject_cn="localhost",
        serial=leaf_serial,
    )
    assert expiry == pki.valid.cert.not_valid_after_utc.timestamp()
    assert value(
        outcome, "watchdog_certfile_expires_in_seconds", serial=leaf_serial
    ) == pytest.approx(90 * 86400)
    assert value(outcome, "watchdog_certfile_certificates") == 2
    assert value(outcome, "watchdog_certfile_earliest_expiry_timestamp_seconds") == expiry
    assert value(outcome, "watchdog_certfile_errors") == 0
    assert outcome.facts["earliest"] == "localhost in server.pem"


async def test_globs_and_der_files_are_read(pki: TestPki, tmp_path: Path) -> None:
    """A glob picks up every matching file, DER as well as PEM."""
    (tmp_path / "a.crt").write_bytes(pki.expiring.cert_pem())
    (tmp_path / "b.crt").write_bytes(pki.ca.cert_der())
    outcome = await run_target(_target(tmp_path / "*.crt"))
    assert outcome.success, outcome.error
    assert len(values(outcome, "watchdog_certfile_not_after_timestamp_seconds")) == 2
    earliest = value(outcome, "watchdog_certfile_earliest_expires_in_seconds")
    assert 2 * 86400 < earliest <= 3 * 86400


async def test_relative_paths_are_taken_from_the_config_directory(
    pki: TestPki, tmp_path: Path
) -> None:
    """``paths: [certs/x.pem]`` means next to the config file, not the working directory."""
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "x.pem").write_bytes(pki.valid.cert_pem())
    outcome = await run_target(_target("certs/x.pem"), workdir=tmp_path)
    assert outcome.success, outcome.error


async def test_an_expired_certificate_fails_and_is_named(pki: TestPki, tmp_path: Path) -> None:
    """Expired is a failed check naming file, CN and how long ago."""
    path = tmp_path / "old.pem"
    path.write_bytes(pki.expired.cert_pem())
    outcome = await run_target(_target(path))
    assert outcome.up
    assert not outcome.success
    assert outcome.error == f"{path}: localhost expired 2d ago"
    assert value(outcome, "watchdog_certfile_expires_in_seconds") < 0


async def test_unreadable_files_fail_but_good_ones_still_report(
    pki: TestPki, tmp_path: Path
) -> None:
    """One missing file and one garbage file are errors; the good file keeps its series."""
    good = tmp_path / "good.pem"
    good.write_bytes(pki.valid.cert_pem())
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"\x00\x01 not a certificate")
    missing = tmp_path / "missing.pem"
    outcome = await run_target(_target(good, garbage, missing, tmp_path / "none-*.pem"))
    assert outcome.up
    assert not outcome.success
    assert value(outcome, "watchdog_certfile_errors") == 3
    assert value(outcome, "watchdog_certfile_certificates") == 1
    assert outcome.error == (
        f"{tmp_path / 'none-*.pem'} matches no file; "
        f"{garbage}: neither a PEM bundle nor a DER certificate; "
        f"{missing} does not exist"
    )


async def test_no_certificate_at_all_is_a_failed_probe(tmp_path: Path) -> None:
    """When nothing can be read the target is down, with every reason."""
    key_only = tmp_path / "key.pem"
    key_only.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    outcome = await run_target(_target(key_only))
    assert not outcome.up
    assert outcome.error == f"{key_only}: no CERTIFICATE block in the PEM data"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
async def test_permission_denied_is_named(pki: TestPki, tmp_path: Path) -> None:
    """A file this user may not read says so."""
    path = tmp_path / "secret.pem"
    path.write_bytes(pki.valid.cert_pem())
    path.chmod(0)
    outcome = await run_target(_target(path))
    assert outcome.error == f"{path} is not readable by this user"


async def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """A multi-megabyte file is not a certificate bundle; it is refused by size."""
    path = tmp_path / "huge.pem"
    with path.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    outcome = await run_target(_target(path))
    assert outcome.error == f"{path} is over the {4 * 1024 * 1024}-byte limit"


def test_config_requires_at_least_one_path(tmp_path: Path) -> None:
    """An empty path list is refused at load time."""
    problems = config_issues([{"job": "c", "kind": "certfile", "paths": []}], tmp_path)
    assert len(problems) == 1
    assert "targets[0].paths" in problems[0]
    assert "at least 1 item" in problems[0]
