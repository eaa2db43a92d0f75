"""structlog setup: JSON lines (console rendering on a TTY), secrets always redacted."""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal, TextIO

import structlog

from watchdog.redact import redact_event

__all__ = ["LogFormat", "StdlibBridge", "configure_logging", "get_logger"]

LogFormat = Literal["auto", "json", "console"]


class _SafeStreamLogger:
    """Writes each rendered line to a stream; a closed or broken stream drops the line.

    Logging must never take the daemon down: journald restarting, a closed pipe or a test's
    captured stream going away cost a log line, not a probe. ``stream_name`` ("stdout" or
    "stderr") is looked up at write time unless a fixed stream was given.
    """

    def __init__(self, stream: TextIO | None, stream_name: str) -> None:
        self._stream = stream
        self._stream_name = stream_name

    def msg(self, message: str) -> None:
        """Write one line."""
        out = self._stream or getattr(sys, self._stream_name)
        try:
            out.write(message + "\n")
            out.flush()
        except (OSError, ValueError):
            pass

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


class _SafeStreamLoggerFactory:
    def __init__(self, stream: TextIO | None, stream_name: str) -> None:
        self._stream = stream
        self._stream_name = stream_name

    def __call__(self, *_args: Any) -> _SafeStreamLogger:
        return _SafeStreamLogger(self._stream, self._stream_name)


class StdlibBridge(logging.Handler):
    """Sends stdlib log records (asyncio, aiohttp, libraries) through structlog.

    Without it they reach Python's last-resort handler: plain text with tracebacks on
    stderr, unredacted. Through it they become JSON lines like every other, secrets removed,
    the traceback (if any) a field of the line.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Re-log ``record`` as a structlog event of the same level."""
        try:
            logger = get_logger(record.name)
            fields: dict[str, Any] = {"logger": record.name}
            if record.exc_info and record.exc_info[0] is not None:
                fields["exc_info"] = record.exc_info
            logger.log(record.levelno, record.getMessage(), **fields)
        except Exception:  # noqa: S110 - a broken log line must never take anything down
            pass


def _bridge_stdlib_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, StdlibBridge) for h in root.handlers):
        root.addHandler(StdlibBridge())
    # Libraries log at their own levels; warnings and errors are worth a line, chatter is not.
    root.setLevel(max(logging.WARNING, logging.getLevelNamesMapping()[level.upper()]))


def configure_logging(
    level: str = "info",
    fmt: LogFormat = "auto",
    stream: TextIO | None = None,
    stream_name: Literal["stdout", "stderr"] = "stdout",
) -> None:
    """Configure structlog for the whole process (``stream`` fixed, else ``sys.<stream_name>``)."""
    out = stream or getattr(sys, stream_name)
    use_console = fmt == "console" or (fmt == "auto" and out.isatty())
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if use_console
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_event,  # after exceptions are rendered to text, before anything is written
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=_SafeStreamLoggerFactory(stream, stream_name),
        cache_logger_on_first_use=False,
    )
    _bridge_stdlib_logging(level)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger bound to a subsystem name."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(subsystem=name)
    return logger
