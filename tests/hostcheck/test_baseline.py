"""Baseline storage: atomic writes, checksum, precise refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchdog.hostcheck.baseline import Baseline, baseline_path, load_baseline, save_baseline
from watchdog.hostcheck.errors import BaselineError


def _baseline() -> Baseline:
    return Baseline(1_000.0, ["/etc/cron*"], {"/etc/crontab": {"type": "file", "sha256": "ab"}})


def test_round_trip_leaves_no_temp_files(tmp_path: Path) -> None:
    """Saved then loaded gives the same baseline; only the final file remains, mode 0600."""
    path = baseline_path(tmp_path, "host", "bastion-1")
    save_baseline(path, _baseline())
    save_baseline(path, _baseline())
    assert load_baseline(path) == _baseline()
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert path.stat().st_mode & 0o777 == 0o600


def test_missing_baseline_is_none(tmp_path: Path) -> None:
    """No file means no baseline yet (the first run records one)."""
    assert load_baseline(tmp_path / "none.json") is None


def test_path_is_safe_and_distinct(tmp_path: Path) -> None:
    """Odd characters are replaced and look-alike targets still get different files."""
    one = baseline_path(tmp_path, "a/b", "x")
    two = baseline_path(tmp_path, "a_b", "x")
    assert one.parent == two.parent == tmp_path / "host-baseline"
    assert one != two
    assert "/" not in one.name


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "is not a JSON object"),
        ('{"version": 7}', "has format version 7, expected 1"),
        ("{", "is not valid JSON"),
    ],
)
def test_untrustworthy_baselines_are_refused(tmp_path: Path, content: str, reason: str) -> None:
    """Wrong shape, unknown version or broken JSON: BaselineError naming file and reason."""
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=rf"^baseline {path} {reason}"):
        load_baseline(path)


def test_tampered_baseline_fails_checksum(tmp_path: Path) -> None:
    """Changing any recorded fingerprint breaks the checksum."""
    path = tmp_path / "b.json"
    save_baseline(path, _baseline())
    data = json.loads(path.read_text())
    data["files"]["/etc/crontab"]["sha256"] = "cd"
    path.write_text(json.dumps(data))
    with pytest.raises(BaselineError, match="fails its checksum"):
        load_baseline(path)
