"""Settings of a ``reconcile`` target: the backends to count in, the streams, the windows."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from watchdog.config.targets import TargetBase, instance_from_url
from watchdog.config.types import ByteSize, Duration, Model
from watchdog.durations import format_duration
from watchdog.probes.jsonpath import JsonPathError, compile_path
from watchdog.probes.logbackends import (
    ElasticEndpoint,
    LokiEndpoint,
    NamedBackend,
    check_index,
    check_selector,
)
from watchdog.probes.urltemplate import TIME_FIELDS, placeholders

__all__ = [
    "Backend",
    "ContentCheck",
    "ElasticsearchCount",
    "ElasticsearchStream",
    "HttpCount",
    "HttpStream",
    "LokiCount",
    "LokiStream",
    "ReconcileTarget",
    "StreamConfig",
]

_STREAM_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")
HTTP_FIELDS = frozenset({"stream", "query"} | TIME_FIELDS)
"""Placeholders a generic HTTP count template may use."""


class _Retention(Model):
    retention: Duration | None = None
    """How long this backend keeps records; older windows are not compared with it. Set it
    below the real retention by the deletion granularity (a daily index, a Loki table)."""


class LokiCount(LokiEndpoint, _Retention):
    """Count in Loki: ``sum(count_over_time(<selector> <pipeline> [<window>]))``."""

    kind: Literal["loki"]


class ElasticsearchCount(ElasticEndpoint, _Retention):
    """Count in Elasticsearch / OpenSearch: ``<index>/_count`` with a time range filter."""

    kind: Literal["elasticsearch"]


class HttpCount(NamedBackend, _Retention):
    """Any HTTP API that answers the number of records of a stream in a time range."""

    kind: Literal["http"]
    method: Literal["GET", "POST"] = "GET"
    body: str | None = None
    """Request body template (sent as JSON if it parses as JSON, else as text)."""
    json_path: str | None = None
    """Where the count is in a JSON answer, e.g. ``$.count``; otherwise the whole body."""

    @model_validator(mode="after")
    def _templates(self) -> HttpCount:
        used = placeholders((self.url, self.body))
        unknown = sorted(used - HTTP_FIELDS)
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; use {sorted(HTTP_FIELDS)}")
        if not any(f.startswith("start") for f in used) or not any(
            f.startswith("end") for f in used
        ):
            raise ValueError("url or body must contain a {start…} and an {end…} placeholder")
        if self.json_path is not None:
            try:
                compile_path(self.json_path)
            except JsonPathError as exc:
                raise ValueError(str(exc)) from None
        return self


Backend = Annotated[LokiCount | ElasticsearchCount | HttpCount, Field(discriminator="kind")]


class LokiStream(Model):
    """The stream in Loki."""

    selector: str = Field(min_length=3)
    """LogQL stream selector, e.g. ``{job="vault-audit"}``."""
    pipeline: str = ""
    """LogQL pipeline after the selector, e.g. ``|= "type=response"`` or ``| json | x="y"``."""

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str) -> str:
        return check_selector(value)

    @field_validator("pipeline")
    @classmethod
    def _pipeline(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("|", "!")):
            raise ValueError('pipeline must start with a LogQL stage such as |= "text"')
        if "\n" in value:
            raise ValueError("pipeline must be one line")
        return value

    def logs(self) -> str:
        """The log query: selector and pipeline."""
        return f"{self.selector} {self.pipeline}".strip()


class ElasticsearchStream(Model):
    """The stream in Elasticsearch / OpenSearch."""

    index: str
    """Index name or pattern (``*`` wildcards, commas)."""
    time_field: str = Field(default="@timestamp", min_length=1)
    """The date field the windows are cut on (the shipper's record time)."""
    query: dict[str, Any] | None = None
    """An optional Query DSL clause the records must also match, e.g. ``{term: {type: x}}``."""

    @field_validator("index")
    @classmethod
    def _index(cls, value: str) -> str:
        return check_index(value)

    @field_validator("query")
    @classmethod
    def _query(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) != 1:
            raise ValueError("query must be one Query DSL clause, e.g. {term: {type: response}}")
        return value


class HttpStream(Model):
    """The stream in a generic HTTP count API."""

    query: str = ""
    """The value of the ``{query}`` placeholder."""


class ContentCheck(Model):
    """Compare the ids of a window's records, not only their number (small streams)."""

    id_field: str = Field(min_length=1)
    """The record's id: a (dotted) field of an Elasticsearch document, a key of a Loki line."""
    line_format: Literal["json", "logfmt"] = "json"
    """How Loki lines are read to find ``id_field``."""
    max_records: int = Field(default=1000, ge=1, le=5000)
    """Windows with more records (in the primary or the backend) are compared by count only."""
    show: int = Field(default=5, ge=1, le=50)
    """How many mismatching ids the facts list per backend."""


class StreamConfig(Model):
    """One stream of records, as each kind of backend finds it."""

    name: str
    """The ``stream`` label of its series."""
    loki: LokiStream | None = None
    elasticsearch: ElasticsearchStream | None = None
    http: HttpStream | None = None
    content: ContentCheck | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _STREAM_NAME.match(value):
            raise ValueError("name must be 1-64 characters of [A-Za-z0-9_.:/-]")
        return value


class ReconcileTarget(TargetBase):
    """Settings of a ``reconcile`` target."""

    kind: Literal["reconcile"]
    backends: list[Backend] = Field(min_length=2)
    primary: str | None = None
    """The backend the others are compared with (default: the first)."""
    streams: list[StreamConfig] = Field(min_length=1)
    window: Duration = 60.0
    """Length of the time windows records are counted in (whole seconds)."""
    settle: Duration = 300.0
    """A window is compared once it ended this long ago (eventual consistency)."""
    max_settle: Duration = 3600.0
    """A window still incomplete this long after its end is given up: never reconciled."""
    lookback: Duration | None = None
    """How far back the first run (and a restart) starts comparing; default ``max_settle``."""
    max_windows_per_run: int = Field(default=10, ge=1, le=1000)
    """Windows checked per stream and run (the newest first, then re-checks and catch-up)."""
    max_response_bytes: ByteSize = Field(default=4 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _check(self) -> ReconcileTarget:
        names = [backend.name for backend in self.backends]
        _unique(names, "backend names")
        _unique([s.name for s in self.streams], "stream names")
        if self.primary is not None and self.primary not in names:
            raise ValueError(f"primary {self.primary!r} is not a backend name ({', '.join(names)})")
        if self.window < 1 or self.window != int(self.window):
            raise ValueError("window must be a whole number of seconds, at least 1s")
        if self.settle < 0 or self.max_settle <= self.settle:
            raise ValueError("max_settle must be longer than settle")
        if self.lookback is not None and self.lookback < self.window:
            raise ValueError("lookback must be at least one window")
        horizon = self.max_settle + self.window
        for backend in self.backends:
            if backend.retention is not None and backend.retention <= horizon:
                raise ValueError(
                    f"backend {backend.name!r}: retention must exceed max_settle + window "
                    f"({format_duration(horizon)}), or windows expire before they are judged"
                )
        kinds = {backend.kind for backend in self.backends}
        needs_query = any(
            isinstance(b, HttpCount) and "query" in placeholders((b.url, b.body))
            for b in self.backends
        )
        for stream in self.streams:
            if needs_query and (stream.http is None or not stream.http.query):
                raise ValueError(
                    f"stream {stream.name!r} needs http.query: an http backend uses {{query}}"
                )
            for kind in ("loki", "elasticsearch", "http"):
                has = getattr(stream, kind) is not None
                if kind in kinds and not has and kind != "http":
                    raise ValueError(
                        f"stream {stream.name!r} has no {kind}: section, but a backend is {kind}"
                    )
                if has and kind not in kinds:
                    raise ValueError(
                        f"stream {stream.name!r} has a {kind}: section, but no backend is {kind}"
                    )
        return self

    @property
    def primary_name(self) -> str:
        """The primary backend's name."""
        return self.primary or self.backends[0].name

    @property
    def window_seconds(self) -> int:
        """The window length as whole seconds."""
        return int(self.window)

    @property
    def lookback_seconds(self) -> float:
        """How far back comparison starts."""
        return self.lookback if self.lookback is not None else self.max_settle

    def stream_key(self, stream: StreamConfig) -> str:
        """Changes whenever what the stream's windows mean changes (their state is then reset)."""
        backends = [(b.name, b.kind, b.url) for b in self.backends]
        raw = json.dumps(
            [self.window, self.primary_name, backends, stream.model_dump(mode="json")],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def default_instance(self) -> str:
        """The primary backend's ``host:port``."""
        primary = next(b for b in self.backends if b.name == self.primary_name)
        return instance_from_url(primary.url)


def _unique(names: list[str], what: str) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{what} must be unique: {', '.join(duplicates)}")
