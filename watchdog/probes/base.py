"""What a probe is: a coroutine from a context to a result, registered by kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiohttp
import structlog

from watchdog.clock import Clock
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.httperrors import describe_os_error
from watchdog.samples import Sample

__all__ = [
    "ProbeContext",
    "ProbeError",
    "ProbeFunc",
    "ProbeKind",
    "ProbeResult",
    "describe_os_error",
]

ConfigT = TypeVar("ConfigT", bound=TargetBase, covariant=True)


class ProbeError(Exception):
    """The target could not be probed (unreachable, refused, garbage): ``up`` becomes 0.

    The message becomes the target's ``last_error``; it must say what failed and never
    contain a secret.
    """


@dataclass
class ProbeResult:
    """What a probe saw.

    ``failure`` set means the component answered but is unhealthy (``up`` 1,
    ``probe_success`` 0, the reason shown as ``last_error``). ``facts`` are short
    human-readable key facts shown in ``once`` and ``/api/v1/targets``.
    """

    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProbeContext(Generic[ConfigT]):
    """Everything a probe may use; probes reach nothing else."""

    spec: TargetSpec
    config: ConfigT
    session: aiohttp.ClientSession
    state_dir: Path
    body_size_limit: int
    clock: Clock
    log: structlog.typing.FilteringBoundLogger

    @property
    def timeout(self) -> float:
        """Seconds this probe may take in total (the runner enforces it too)."""
        return self.spec.timeout


ProbeFunc = Callable[[ProbeContext[Any]], Awaitable[ProbeResult]]


@dataclass(frozen=True)
class ProbeKind:
    """A registered probe kind: its config model and its coroutine.

    ``produces`` names the metrics the kind yields besides ``up``, ``probe_duration_seconds``
    and ``probe_success`` (which every target has); the rule lint uses it to find rules that can
    never fire. Empty means "not declared / open-ended" (``scrape`` exposes whatever the target
    has), so names are then not checked statically. ``forget`` is called with the state
    directory and target key when a reload removes a target, for kinds that keep state
    between runs.
    """

    name: str
    config: type[TargetBase]
    run: ProbeFunc
    summary: str
    produces: frozenset[str] = frozenset()
    forget: Callable[[Path, str], None] | None = None
