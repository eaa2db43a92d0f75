"""Settings of a ``logcanary`` target: where canaries enter the pipeline, where they must appear."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from watchdog.config.targets import TargetBase, instance_from_url
from watchdog.config.types import (
    ByteSize,
    ConfigPath,
    Duration,
    LabelName,
    Model,
)
from watchdog.probes.httptarget import HttpEndpoint
from watchdog.probes.jsonpath import JsonPathError, compile_path
from watchdog.probes.kinds.logcanary.line import DEFAULT_TAG, TAG_PATTERN
from watchdog.probes.logbackends import (
    ElasticEndpoint,
    LokiEndpoint,
    NamedBackend,
    check_index,
    check_selector,
)
from watchdog.probes.urltemplate import PLACEHOLDER, TIME_FIELDS
from watchdog.userregex import RegexError, compile_regex

__all__ = [
    "PLACEHOLDER",
    "TEMPLATE_FIELDS",
    "Backend",
    "ElasticsearchBackend",
    "Emitter",
    "FileEmit",
    "HttpEmit",
    "HttpSearchBackend",
    "LogCanaryTarget",
    "LokiBackend",
    "SyslogEmit",
]

TEMPLATE_FIELDS = frozenset({"id"} | TIME_FIELDS)
"""Placeholders a generic HTTP search template may use."""


class FileEmit(Model):
    """Append the canary line to a file that the shipper tails."""

    kind: Literal["file"]
    path: ConfigPath
    create: bool = True
    """Create the file when missing (its directory must exist)."""


class HttpEmit(HttpEndpoint):
    """POST the canary to an HTTP input: Fluent Bit ``http`` (``json``), Loki push, or raw text."""

    kind: Literal["http"]
    format: Literal["json", "loki", "raw"] = "json"
    message_key: str = Field(default="log", min_length=1)
    """``json``: the record key holding the line (Fluent Bit's ``tail`` uses ``log``)."""
    stream_labels: dict[LabelName, str] = Field(
        default_factory=lambda: {"job": "monitor-watchdog", "canary": "true"}
    )
    """``loki``: labels of the pushed stream (keep them matching a backend's ``selector``)."""
    tenant_id: str | None = None
    """``loki``: sent as ``X-Scope-OrgID``."""


class SyslogEmit(Model):
    """Send the canary as an RFC 5424 message to a syslog socket."""

    kind: Literal["syslog"]
    protocol: Literal["udp", "tcp", "unix", "unix_stream"] = "udp"
    address: str | None = None
    """``host:port`` for udp and tcp."""
    path: ConfigPath | None = None
    """Socket path for unix (datagram, like ``/dev/log``) and unix_stream."""
    facility: int = Field(default=16, ge=0, le=23)
    """16 is local0."""
    severity: int = Field(default=5, ge=0, le=7)
    """5 is notice."""
    app_name: str = Field(default="monitor-watchdog", pattern=r"^[!-~]{1,48}$")
    hostname: str | None = Field(default=None, pattern=r"^[!-~]{1,255}$")
    framing: Literal["newline", "octet_counting"] = "newline"
    """Stream transports only: LF-terminated, or RFC 6587 octet counting."""

    @model_validator(mode="after")
    def _where(self) -> SyslogEmit:
        network = self.protocol in ("udp", "tcp")
        if network and (self.address is None or self.path is not None):
            raise ValueError(f"protocol {self.protocol} needs address (host:port) and no path")
        if not network and (self.path is None or self.address is not None):
            raise ValueError(f"protocol {self.protocol} needs path (a socket) and no address")
        if self.address is not None:
            host, sep, port = self.address.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"address {self.address!r} must be host:port")
        return self


Emitter = Annotated[FileEmit | HttpEmit | SyslogEmit, Field(discriminator="kind")]


class LokiBackend(LokiEndpoint):
    """Search Loki with ``query_range`` and a line filter on the canary id."""

    kind: Literal["loki"]
    selector: str = Field(min_length=3)
    """LogQL stream selector the shipper writes to, e.g. ``{job="fluent-bit"}``."""
    limit: int = Field(default=100, ge=1, le=5000)

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str) -> str:
        return check_selector(value)


class ElasticsearchBackend(ElasticEndpoint):
    """Search Elasticsearch/OpenSearch ``<index>/_search`` for the canary id in ``field``."""

    kind: Literal["elasticsearch"]
    index: str = "*"
    """Index pattern: names, ``*`` wildcards, commas."""
    field: str = Field(default="log", min_length=1)
    """Document field holding the line (dots for nested objects)."""
    query: Literal["match_phrase", "match", "term"] = "match_phrase"
    """How the id is looked up in ``field`` (``term``: an exact keyword in ``id_field``)."""
    id_field: str | None = None
    """``term`` only: a keyword field holding just the id (e.g. ``id.keyword`` when the shipper
    parses the logfmt line); the line itself is still read from ``field``."""
    time_field: str | None = None
    """If set, only documents with this date field inside the search window are searched."""
    size: int = Field(default=100, ge=1, le=10_000)

    @field_validator("index")
    @classmethod
    def _index(cls, value: str) -> str:
        return check_index(value)

    @model_validator(mode="after")
    def _term_needs_id_field(self) -> ElasticsearchBackend:
        if (self.query == "term") != (self.id_field is not None):
            raise ValueError("id_field is required with query: term, and only with it")
        return self


class HttpSearchBackend(NamedBackend):
    """Any HTTP search API: a URL (and optional body) template, then extraction of lines."""

    kind: Literal["http"]
    method: Literal["GET", "POST"] = "GET"
    body: str | None = None
    """Request body template (sent as JSON if it parses as JSON, else as text)."""
    json_path: str | None = None
    """Where the lines are, e.g. ``$.data.hits[*].message``; otherwise the whole body is read."""
    line_regex: str | None = None
    """Regex whose group 1 (or whole match) is a line, applied to the body."""

    @model_validator(mode="after")
    def _templates(self) -> HttpSearchBackend:
        found = {m for t in (self.url, self.body or "") for m in PLACEHOLDER.findall(t)}
        unknown = sorted(found - TEMPLATE_FIELDS)
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; use {sorted(TEMPLATE_FIELDS)}")
        if "id" not in found:
            raise ValueError("url or body must contain the {id} placeholder")
        if self.json_path is not None and self.line_regex is not None:
            raise ValueError("set json_path or line_regex, not both")
        if self.json_path is not None:
            try:
                compile_path(self.json_path)
            except JsonPathError as exc:
                raise ValueError(str(exc)) from None
        if self.line_regex is not None:
            try:
                compile_regex(self.line_regex)
            except RegexError as exc:
                raise ValueError(f"line_regex: {exc}") from None
        return self


Backend = Annotated[
    LokiBackend | ElasticsearchBackend | HttpSearchBackend, Field(discriminator="kind")
]


class LogCanaryTarget(TargetBase):
    """Settings of a ``logcanary`` target."""

    kind: Literal["logcanary"]
    emit: Emitter
    backends: list[Backend] = Field(min_length=1)
    primary: str | None = None
    """Backend the others' lag divergence is measured against (default: the first)."""
    tag: str = Field(default=DEFAULT_TAG, pattern=TAG_PATTERN)
    deadline: Duration = 120.0
    """A canary not found in a backend this long after emission is lost there."""
    min_emit_interval: Duration = 10.0
    max_outstanding: int = Field(default=100, ge=1, le=1000)
    loss_window: Duration = 3600.0
    max_clock_skew: Duration = 60.0
    """Slack on both ends of the search time range, for shipper and backend clocks."""
    max_response_bytes: ByteSize = Field(default=1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _check(self) -> LogCanaryTarget:
        names = [backend.name for backend in self.backends]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"backend names must be unique: {', '.join(duplicates)}")
        if self.primary is not None and self.primary not in names:
            raise ValueError(f"primary {self.primary!r} is not a backend name ({', '.join(names)})")
        if self.deadline <= 0 or self.loss_window < self.deadline:
            raise ValueError("deadline must be positive and loss_window at least the deadline")
        return self

    @property
    def primary_name(self) -> str:
        """The primary backend's name."""
        return self.primary or self.backends[0].name

    def default_instance(self) -> str:
        """Where the canaries go in: the file, the input's host:port, or the syslog socket."""
        emit = self.emit
        if isinstance(emit, FileEmit):
            return str(emit.path)
        if isinstance(emit, HttpEmit):
            return instance_from_url(emit.url)
        return emit.address or str(emit.path)
