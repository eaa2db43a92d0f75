"""Helpers for probes that talk to one component's own HTTP endpoints (Prometheus, Alertmanager)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from pydantic import field_validator

from watchdog.probes.base import ProbeContext
from watchdog.probes.httpclient import HttpResponse, fetch
from watchdog.probes.httptarget import HttpTarget
from watchdog.samples import Sample

__all__ = ["ComponentTarget", "first_label", "keep_named", "request", "single_value"]


class ComponentTarget(HttpTarget):
    """A component reached at a base ``url`` that also serves its own ``/metrics``."""

    metrics_path: str = "/metrics"

    @field_validator("metrics_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("metrics_path must start with '/'")
        return value


async def request(
    ctx: ProbeContext[HttpTarget], path: str, *, method: str = "GET", json_body: Any = None
) -> HttpResponse:
    """One request to ``path`` below the target's URL, with its TLS, auth and headers."""
    cfg = ctx.config
    return await fetch(
        ctx.session,
        cfg.url_for(path),
        limit=ctx.body_size_limit,
        method=method,
        headers=cfg.request_headers(),
        ssl_context=cfg.ssl_context(),
        server_hostname=cfg.server_hostname,
        json_body=json_body,
    )


def keep_named(samples: Iterable[Sample], names: Collection[str]) -> list[Sample]:
    """Only the samples whose metric name is in ``names`` (the rest is dropped to save memory)."""
    return [sample for sample in samples if sample.name in names]


def single_value(samples: Iterable[Sample], name: str) -> float | None:
    """The value of the first sample called ``name``, or None if there is none."""
    for sample in samples:
        if sample.name == name:
            return float(sample.value)
    return None


def first_label(samples: Iterable[Sample], name: str, label: str) -> str | None:
    """A label of the first sample called ``name`` (e.g. ``version`` of ``*_build_info``)."""
    for sample in samples:
        if sample.name == name:
            return sample.labels.get(label)
    return None
