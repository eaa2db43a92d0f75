"""Configured commands: exit code and trimmed, redacted output kept; a hung one is killed at its
timeout; one that cannot start is a failed step, not a crash."""

from __future__ import annotations

import sys
from pathlib import Path

from watchdog.drill.command import OUTPUT_LIMIT, run_command
from watchdog.drill.outcome import ChannelResult
from watchdog.drill.settings import CommandConfig
from watchdog.redact import register_secret

SECRET = "cmd-secret-0123456789abcdef"


def _command(code: str, timeout: str = "10s") -> CommandConfig:
    return CommandConfig.model_validate(
        {"command": [sys.executable, "-c", code], "timeout": timeout}
    )


async def test_exit_code_and_the_end_of_the_output_are_kept(tmp_path: Path) -> None:
    """A chatty failing command: exit 3, the last OUTPUT_LIMIT characters, secrets redacted."""
    register_secret(SECRET)
    result = ChannelResult("c", "k", "t")
    code = f"import sys; print('x' * 20000); print('{SECRET} at the end'); sys.exit(3)"
    run = await run_command(result, "stop command", _command(code), cwd=tmp_path)
    assert (run.exit_code, run.ok, run.error) == (3, False, None)
    assert run.output.endswith("<redacted> at the end")
    assert run.output.startswith("…") and len(run.output) <= OUTPUT_LIMIT + 1
    assert SECRET not in " ".join(run.argv)
    assert result.steps[0].name == "stop command" and result.steps[0].ok is False
    assert "exited 3" in result.steps[0].detail
    assert result.commands == [run]


async def test_a_hung_command_is_killed_at_its_timeout(tmp_path: Path) -> None:
    """sleep past the timeout: killed (its process group), recorded as timed out."""
    result = ChannelResult("c", "k", "t")
    code = "import time; print('started', flush=True); time.sleep(60)"
    run = await run_command(result, "start command", _command(code, "1s"), cwd=tmp_path)
    assert run.error == "timed out after 1s; killed"
    assert run.output == "started"
    assert run.duration < 30
    assert result.steps[0].ok is False


async def test_a_vanished_program_is_a_failed_step(tmp_path: Path) -> None:
    """The program was there when the config loaded, not when the drill ran."""
    program = tmp_path / "gone"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    config = CommandConfig.model_validate({"command": [str(program)]})
    program.unlink()
    result = ChannelResult("c", "k", "t")
    run = await run_command(result, "stop command", config, cwd=tmp_path)
    assert run.error is not None and run.error.startswith("cannot start: ")
    assert run.exit_code is None
