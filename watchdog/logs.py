"""structlog setup: JSON lines, logfmt or console rendering; secrets always redacted.

Under systemd (``$JOURNAL_STREAM`` names the very stream we write to), every line starts
with its syslog priority, ``<3>`` for errors up to ``<7>`` for debug, as sd-daemon(3)
describes: journald strips the prefix and files the line at that priority, so
``journalctl -p warning`` shows warnings and errors.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

from watchdog.redact import redact_event

if TYPE_CHECKING:
    import structlog
    from structlog.typing import FilteringBoundLogger

__all__ = [
    "LogFormat",
    "StdlibBridge",
    "configure_logging",
    "get_logger",
    "journal_priority_prefix",
    "writes_to_journal",
]

LogFormat = Literal["auto", "json", "logfmt", "console"]

_PRIORITIES = {
    "critical": 2,
    "fatal": 2,
    "error": 3,
    "exception": 3,
    "warning": 4,
    "warn": 4,
    "info": 6,
    "debug": 7,
}
"""syslog priorities (sd-daemon(3)) of structlog's method names; anything else is info."""


def writes_to_journal(stream: TextIO, environ: MutableMapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is the journald stream ``$JOURNAL_STREAM`` (``device:inode``) names.

    Compared by device and inode, as sd-daemon(3) asks: a child whose output was redirected
    elsewhere inherits the variable but must not write prefixes into a file.
    """
    value = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    device, sep, inode = value.partition(":")
    if not sep or not device.isdigit() or not inode.isdigit():
        return False
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False  # no descriptor behind it (a test's StringIO), or closed
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


def journal_priority_prefix(_logger: Any, method_name: str, rendered: Any) -> str:
    """The last processor under journald: ``<N>`` before the rendered line."""
    return f"<{_PRIORITIES.get(method_name, 6)}>{rendered}"


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


def _renderers(fmt: LogFormat, out: TextIO) -> list[structlog.typing.Processor]:
    """What turns an event into its line (after the timestamp and redaction)."""
    import structlog

    if fmt == "logfmt":
        # Prometheus' own format: ts=… level=… msg=…, the subsystem next, then the fields.
        return [
            structlog.processors.EventRenamer("msg"),
            structlog.processors.LogfmtRenderer(
                key_order=["ts", "level", "subsystem", "msg"],
                drop_missing=True,
                bool_as_flag=False,
            ),
        ]
    if fmt == "console" or (fmt == "auto" and out.isatty()):
        return [structlog.dev.ConsoleRenderer(colors=False)]
    return [structlog.processors.JSONRenderer()]


@dataclass(frozen=True)
class _Settings:
    level: str
    fmt: LogFormat
    stream: TextIO | None
    stream_name: Literal["stdout", "stderr"]
    journal: bool


_pending: _Settings | None = None
"""Settings given to ``configure_logging`` but not yet applied to structlog."""


def configure_logging(
    level: str = "info",
    fmt: LogFormat = "auto",
    stream: TextIO | None = None,
    stream_name: Literal["stdout", "stderr"] = "stdout",
) -> None:
    """Configure logging for the whole process (``stream`` fixed, else ``sys.<stream_name>``).

    structlog itself (and the asyncio it imports) is loaded when the first line is logged,
    not here: ``check`` and most one-shot commands never log, and need not pay for it.
    """
    global _pending
    out = stream or getattr(sys, stream_name)
    _pending = _Settings(level, fmt, stream, stream_name, writes_to_journal(out))
    _bridge_stdlib_logging(level)
    if "structlog" in sys.modules:
        _apply_pending()  # already loaded: take effect now, as callers expect


def _apply_pending() -> None:
    global _pending
    settings, _pending = _pending, None
    if settings is None:
        return
    import structlog

    out = settings.stream or getattr(sys, settings.stream_name)
    prefix: list[structlog.typing.Processor] = [journal_priority_prefix] if settings.journal else []
    timestamp_key = "ts" if settings.fmt == "logfmt" else "timestamp"
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key=timestamp_key),
            structlog.processors.format_exc_info,
            redact_event,  # after exceptions are rendered to text, before anything is written
            *_renderers(settings.fmt, out),
            *prefix,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[settings.level.upper()]
        ),
        logger_factory=_SafeStreamLoggerFactory(settings.stream, settings.stream_name),
        cache_logger_on_first_use=False,
    )


class _LazyLogger:
    """A logger that imports and configures structlog on its first real use.

    ``bind``/``new``/``unbind`` only collect context; any other attribute (``info``,
    ``warning``, ``log``, …) is structlog's own, looked up afresh each time so that a later
    ``configure_logging`` takes effect, as structlog's lazy proxies do.
    """

    __slots__ = ("_context", "_name")

    def __init__(self, name: str, context: dict[str, Any]) -> None:
        self._name = name
        self._context = context

    def bind(self, **values: Any) -> _LazyLogger:
        return _LazyLogger(self._name, {**self._context, **values})

    def new(self, **values: Any) -> _LazyLogger:
        return _LazyLogger(self._name, dict(values))

    def unbind(self, *keys: str) -> _LazyLogger:
        return _LazyLogger(self._name, {k: v for k, v in self._context.items() if k not in keys})

    def __getattr__(self, attribute: str) -> Any:
        import structlog

        _apply_pending()
        return getattr(structlog.get_logger(subsystem=self._name, **self._context), attribute)


def get_logger(name: str) -> FilteringBoundLogger:
    """A logger bound to a subsystem name."""
    return cast("FilteringBoundLogger", _LazyLogger(name, {}))
