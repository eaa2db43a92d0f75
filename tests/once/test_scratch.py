"""The scratch copy of the probes' state: real state in, nothing out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from watchdog.once.scratch import scratch_state


def test_probe_state_is_copied_and_writes_stay_in_the_copy(tmp_path: Path) -> None:
    """Sub-directories are copied (not drills/, not temp files, not top-level databases)."""
    state = tmp_path / "state"
    (state / "logcanary").mkdir(parents=True)
    (state / "logcanary" / "a.json").write_text("{}")
    (state / "logcanary" / "a.tmp").write_text("half")
    (state / "drills").mkdir()
    (state / "drills" / "drill-x.md").write_text("# report")
    (state / "journal.db").write_bytes(b"db")
    with scratch_state(state) as (scratch, notes):
        assert notes == []
        assert sorted(p.name for p in scratch.iterdir()) == ["logcanary"]
        assert sorted(p.name for p in (scratch / "logcanary").iterdir()) == ["a.json"]
        (scratch / "logcanary" / "a.json").write_text('{"changed": true}')
        (scratch / "host-baseline").mkdir()
    assert not scratch.exists()
    assert (state / "logcanary" / "a.json").read_text() == "{}"
    assert sorted(p.name for p in state.iterdir()) == ["drills", "journal.db", "logcanary"]


def test_missing_state_dir_is_a_note(tmp_path: Path) -> None:
    """No state_dir yet: an empty scratch directory and a note saying so."""
    with scratch_state(tmp_path / "absent") as (scratch, notes):
        assert list(scratch.iterdir()) == []
    missing = tmp_path / "absent"
    assert notes == [f"state_dir {missing} does not exist: probes start without saved state"]
    assert not (tmp_path / "absent").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every directory")
def test_unreadable_state_dir_is_a_note(tmp_path: Path) -> None:
    """Another user's 0700 state_dir: a note suggesting the daemon's user, no failure."""
    state = tmp_path / "state"
    (state / "logcanary").mkdir(parents=True)
    state.chmod(0o000)
    try:
        with scratch_state(state) as (_scratch, notes):
            pass
    finally:
        state.chmod(0o700)
    assert len(notes) == 1 and "is not readable" in notes[0]
