"""The fields every target has, whatever its kind."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from watchdog.config.types import Duration, LabelName, Model

__all__ = ["TargetBase", "TargetSpec", "instance_from_url", "split_address"]

_RESERVED_LABELS = {"job", "instance"}
_LABEL_VALUE_OK = re.compile(r"^[^\x00-\x1f]*$")


class TargetBase(Model):
    """Common target settings; each probe kind subclasses this with its own fields."""

    job: str = Field(min_length=1)
    kind: str
    instance: str | None = Field(default=None, min_length=1)
    interval: Duration | None = None
    timeout: Duration | None = None
    labels: dict[LabelName, str] = Field(default_factory=dict)
    series_limit: int | None = Field(default=None, ge=1)

    @field_validator("job")
    @classmethod
    def _job_printable(cls, value: str) -> str:
        if not _LABEL_VALUE_OK.match(value):
            raise ValueError("job must not contain control characters")
        return value

    @field_validator("labels")
    @classmethod
    def _no_reserved(cls, value: dict[str, str]) -> dict[str, str]:
        clash = _RESERVED_LABELS & set(value)
        if clash:
            raise ValueError(f"labels may not set {', '.join(sorted(clash))}; use the fields")
        return value

    def default_instance(self) -> str:
        """The ``instance`` label when the user gave none (kinds override)."""
        return self.job

    def extra_series(self) -> frozenset[str]:
        """Metric names these settings add to what the kind declares (``extra_metrics``)."""
        return frozenset()


def split_address(address: str) -> tuple[str, int]:
    """Split ``host:port`` (``[v6]:port`` allowed)."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"address {address!r} must be host:port with a port in 1-65535")
    return host.strip("[]"), int(port)


def instance_from_url(url: str) -> str:
    """``host:port`` of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}"


@dataclass(frozen=True)
class TargetSpec:
    """A target with every default resolved: what the scheduler runs."""

    job: str
    instance: str
    kind: str
    interval: float
    timeout: float
    series_limit: int
    labels: dict[str, str]
    config: TargetBase
    line: int | None = field(default=None, compare=False)
    """Where the target starts in the config file (for messages; moving it changes nothing)."""
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        # Secrets take part in the fingerprint (a rotated token restarts the target), hashed.
        def reveal(value: object) -> object:
            return value.get_secret_value() if isinstance(value, SecretStr) else str(value)

        raw = json.dumps(
            [self.config.model_dump(), self.interval, self.timeout, self.series_limit],
            default=reveal,
            sort_keys=True,
        )
        digest = hashlib.sha256(raw.encode()).hexdigest()[:16]
        object.__setattr__(self, "fingerprint", digest)

    @property
    def key(self) -> str:
        """Unique identity of the target: ``job/instance``."""
        return f"{self.job}/{self.instance}"

    def target_labels(self) -> dict[str, str]:
        """Labels added to every series this target yields."""
        return {**self.labels, "job": self.job, "instance": self.instance}
