"""Demo processes are recognised by PID and command line, stopped by PID, and kept on disk."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from devstack.demo.processes import DemoState, ProcessRecord, is_running, terminate
from devstack.polling import wait_for
from devstack.procs import ManagedProcess


def _sleep() -> str:
    path = shutil.which("sleep")
    assert path is not None
    return path


def test_a_process_is_ours_only_with_its_command_line_and_stops_by_pid(tmp_path: Path) -> None:
    """Same PID with other arguments is a stranger; terminate ends ours and says so once."""
    process = ManagedProcess([_sleep(), "60"], tmp_path / "sleep.log")
    try:
        state = DemoState(tmp_path / "demo.json")
        state.record("sleeper", process)
        loaded = DemoState.load(tmp_path / "demo.json")
        assert loaded is not None
        record = loaded.processes["sleeper"]
        # Between fork and exec the child's command line is still its parent's.
        wait_for(lambda: is_running(record), timeout=10, message="sleep has exec'd")
        stranger = ProcessRecord("x", process.pid, [_sleep(), "61"], "")
        assert not is_running(stranger)
        assert not terminate(stranger)
        assert process.alive()
        assert terminate(record)
        assert not is_running(record)
        assert not terminate(record)
    finally:
        process.kill()


def test_a_launcher_that_execs_the_real_binary_is_still_recognised(tmp_path: Path) -> None:
    """Like pip's `bao` launcher: argv[0] changes on exec, the name and arguments do not."""
    real = tmp_path / "real" / "sleeper"
    real.parent.mkdir()
    real.symlink_to(_sleep())
    launcher = tmp_path / "bin" / "sleeper"
    launcher.parent.mkdir()
    launcher.write_text(
        f"#!{sys.executable}\nimport os, sys\n"
        f"os.execv({str(real)!r}, [{str(real)!r}, *sys.argv[1:]])\n"
    )
    launcher.chmod(0o755)
    process = ManagedProcess([str(launcher), "60"], tmp_path / "sleeper.log")
    try:
        record = ProcessRecord("sleeper", process.pid, [str(launcher), "60"], "")
        cmdline = Path(f"/proc/{process.pid}/cmdline")
        wait_for(lambda: cmdline.read_bytes().startswith(str(real).encode()), timeout=10)
        assert is_running(record)
        assert terminate(record)
        assert not is_running(record)
    finally:
        process.kill()
