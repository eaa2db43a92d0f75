"""What a probe is: a coroutine from a context to a result, registered by kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from watchdog.clock import Clock
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.httperrors import describe_os_error
from watchdog.samples import Sample

if TYPE_CHECKING:
    import aiohttp
    import structlog

__all__ = [
    "GENERIC_SERIES",
    "TARGET_INFO",
    "ProbeContext",
    "ProbeError",
    "ProbeFunc",
    "ProbeKind",
    "ProbeResult",
    "TargetMemory",
    "describe_os_error",
]

TARGET_INFO = "watchdog_target_info"
"""Always 1, labelled with the target's labels and its probe ``kind``."""
GENERIC_SERIES = frozenset({"up", "probe_duration_seconds", "probe_success", TARGET_INFO})
"""What every target yields, whatever its kind and outcome."""

ConfigT = TypeVar("ConfigT", bound=TargetBase, covariant=True)
SlotT = TypeVar("SlotT")


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


class TargetMemory:
    """What the probes of one target keep between runs: one slot per type, made on first use.

    The scheduler owns one per target: it survives changes to the target's settings and is
    dropped when the target leaves the config. One-shot runs (``once``, ``check --live``) start
    with an empty one. What must survive a restart goes to ``state_dir`` instead.
    """

    def __init__(self) -> None:
        self._slots: dict[type[Any], object] = {}

    def get(self, slot: type[SlotT]) -> SlotT:
        """This target's ``slot`` instance, created by calling ``slot()`` on first use."""
        value = self._slots.get(slot)
        if value is None:
            value = self._slots[slot] = slot()
        return cast(SlotT, value)


@dataclass(frozen=True)
class ProbeContext(Generic[ConfigT]):
    """Everything a probe may use; probes reach nothing else (no module-level state)."""

    spec: TargetSpec
    config: ConfigT
    session: aiohttp.ClientSession
    state_dir: Path
    body_size_limit: int
    clock: Clock
    log: structlog.typing.FilteringBoundLogger
    memory: TargetMemory = field(default_factory=TargetMemory)

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
    never fire, and the runner reports any other name a probe returns (``ProbeOutcome.
    undeclared``; ``watchdog_probe_undeclared_names_total`` in production). Empty means
    "open-ended" (``scrape`` exposes whatever the target has): names are then not checked.
    Names a target's own settings add (``extra_metrics``) come from its
    ``TargetBase.extra_series``. ``forget`` deletes what the kind saved in ``state_dir`` for a
    target (called with the state directory and target key when a reload removes it).
    """

    name: str
    config: type[TargetBase]
    run: ProbeFunc
    summary: str
    produces: frozenset[str] = frozenset()
    forget: Callable[[Path, str], None] | None = None
