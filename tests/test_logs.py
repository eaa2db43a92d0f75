"""Log output: logfmt, and syslog priority prefixes when writing to journald's stream."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from devstack.procs import REPO
from watchdog.logs import configure_logging, get_logger, writes_to_journal

_EMIT = """
import logging, sys
from watchdog.logs import configure_logging, get_logger
configure_logging("debug", sys.argv[1])
log = get_logger("test")
log.debug("d"); log.info("i", target="vault/a:1"); log.warning("w"); log.error("e")
logging.getLogger("aiohttp.server").error("from a library")
"""


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()
    for handler in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(handler)


def _emit(tmp_path: Path, fmt: str, journal_stream: str | None) -> list[str]:
    """Run a process that logs at every level with stdout to a file; return its lines."""
    out = tmp_path / "stdout"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("JOURNAL_STREAM", None)
    with out.open("wb") as sink:
        if journal_stream == "this file":
            info = os.fstat(sink.fileno())
            env["JOURNAL_STREAM"] = f"{info.st_dev}:{info.st_ino}"
        elif journal_stream is not None:
            env["JOURNAL_STREAM"] = journal_stream
        subprocess.run(
            [sys.executable, "-c", _EMIT, fmt], stdout=sink, env=env, check=True, timeout=60
        )
    return out.read_text().splitlines()


def test_journald_stream_gets_syslog_priorities(tmp_path: Path) -> None:
    """With $JOURNAL_STREAM naming stdout, each line starts with <7> debug … <3> error."""
    lines = _emit(tmp_path, "json", "this file")
    assert [line[:3] for line in lines] == ["<7>", "<6>", "<4>", "<3>", "<3>"]
    assert json.loads(lines[1][3:])["event"] == "i"


def test_no_prefix_when_the_journal_stream_is_another_file(tmp_path: Path) -> None:
    """An inherited $JOURNAL_STREAM that names another stream (output redirected) is ignored."""
    info = os.stat(REPO / "README.md")
    for value in (f"{info.st_dev}:{info.st_ino}", "garbage", None):
        lines = _emit(tmp_path, "json", value)
        assert all(line.startswith("{") for line in lines), (value, lines)


def test_logfmt_lines_look_like_prometheus_logs(tmp_path: Path) -> None:
    """``--log-format logfmt``: ts, level, subsystem, msg first, then the fields, quoted."""
    lines = _emit(tmp_path, "logfmt", "this file")
    assert lines[1].startswith("<6>ts=")
    fields = lines[1].split(" ", 1)[1]
    assert fields == "level=info subsystem=test msg=i target=vault/a:1"
    assert lines[4].endswith(
        'level=error subsystem=aiohttp.server msg="from a library" logger=aiohttp.server'
    )


def test_logfmt_escapes_what_would_break_a_line() -> None:
    """Quotes, spaces and newlines in values stay inside one logfmt line."""
    stream = io.StringIO()
    configure_logging("info", "logfmt", stream=stream)
    get_logger("x").warning("bad answer", error='said "no"\nthen hung up', ok=False)
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(
        'level=warning subsystem=x msg="bad answer" error="said \\"no\\"\\nthen hung up" ok=false'
    )


def test_a_stream_without_descriptor_is_never_the_journal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A StringIO (tests, captured output) never gets priority prefixes."""
    monkeypatch.setenv("JOURNAL_STREAM", "1:1")
    assert writes_to_journal(io.StringIO()) is False
