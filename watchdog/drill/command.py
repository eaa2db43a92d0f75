"""Run a configured command (stop or start a backend, the CA): bounded, recorded, killable.

The command runs without a shell, in its own session (a Ctrl-C at the terminal reaches the
drill, which then decides; it never kills a start command half-way), with stdin closed. Its
output (stdout and stderr, interleaved) is kept to the last ``OUTPUT_LIMIT`` characters,
redacted. On timeout, or when the drill is interrupted while it runs, its whole process group
gets SIGTERM, then SIGKILL after ``KILL_GRACE`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import deque
from pathlib import Path

from watchdog.drill.outcome import ChannelResult, CommandRun, Step, seconds
from watchdog.drill.settings import CommandConfig
from watchdog.durations import format_duration
from watchdog.redact import redact

__all__ = ["KILL_GRACE", "OUTPUT_LIMIT", "run_command", "shown_command"]

OUTPUT_LIMIT = 4000
KILL_GRACE = 5.0
_CHUNK = 8192


def shown_command(argv: list[str] | tuple[str, ...]) -> str:
    """The command line for people, secrets redacted (``kubectl scale … --replicas=0``)."""
    return redact(" ".join(argv))


async def run_command(
    result: ChannelResult, purpose: str, config: CommandConfig, *, cwd: Path
) -> CommandRun:
    """Run ``config``; record it (and a step named ``purpose``) in ``result``; return it.

    Cancellation (the drill interrupted) kills the command, records it as interrupted and
    propagates.
    """
    started, clock = time.time(), time.monotonic()
    tail: deque[bytes] = deque()
    try:
        process = await asyncio.create_subprocess_exec(
            *config.command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        reason = f"cannot start: {exc.strerror or exc}"
        return _record(result, purpose, config, started, clock, None, tail, reason)
    reader = asyncio.ensure_future(_collect(process, tail))
    try:
        async with asyncio.timeout(config.timeout):
            await reader
            code = await process.wait()
    except TimeoutError:
        await _kill(process, reader)
        reason = f"timed out after {format_duration(config.timeout)}; killed"
        return _record(result, purpose, config, started, clock, process.returncode, tail, reason)
    except asyncio.CancelledError:
        await _kill(process, reader)
        _record(result, purpose, config, started, clock, process.returncode, tail, "interrupted")
        raise
    return _record(result, purpose, config, started, clock, code, tail, None)


async def _collect(process: asyncio.subprocess.Process, tail: deque[bytes]) -> None:
    """Read all output, keeping only about the last ``OUTPUT_LIMIT`` bytes."""
    assert process.stdout is not None
    kept = 0
    while chunk := await process.stdout.read(_CHUNK):
        tail.append(chunk)
        kept += len(chunk)
        while kept - len(tail[0]) >= OUTPUT_LIMIT and len(tail) > 1:
            kept -= len(tail.popleft())


async def _kill(process: asyncio.subprocess.Process, reader: asyncio.Future[None]) -> None:
    """SIGTERM to the process group, SIGKILL after the grace period; reap it."""
    for signum, grace in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, KILL_GRACE)):
        if process.returncode is not None:
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), grace)
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError, OSError):
        await reader


def _record(
    result: ChannelResult,
    purpose: str,
    config: CommandConfig,
    started: float,
    clock: float,
    code: int | None,
    tail: deque[bytes],
    error: str | None,
) -> CommandRun:
    text = b"".join(tail).decode("utf-8", errors="replace")
    if len(text) > OUTPUT_LIMIT:
        text = "…" + text[-OUTPUT_LIMIT:]
    run = CommandRun(
        purpose=purpose,
        argv=tuple(redact(part) for part in config.command),
        exit_code=code,
        duration=time.monotonic() - clock,
        output=redact(text.strip()),
        started_at=started,
        error=error,
    )
    result.commands.append(run)
    took = seconds(run.duration)
    if error is not None:
        detail = f"`{shown_command(run.argv)}` {error}"
    else:
        detail = f"`{shown_command(run.argv)}` exited {code} in {took}"
    last = run.output.splitlines()[-1] if run.output and not run.ok else ""
    result.add(Step(purpose, run.ok, run.duration, detail + (f": {last}" if last else "")))
    return run
