"""Keep a target's canary state in ``state_dir`` so a restart neither forgets outstanding canaries
nor resets the ``*_total`` counters."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from watchdog.probes.kinds.logcanary.state import BackendStats, CanaryState, Sighting, TrackedCanary

__all__ = ["StateFile"]

_VERSION = 1


class StateFile:
    """``<state_dir>/logcanary/<hash of the target key>.json``, written atomically."""

    def __init__(self, state_dir: Path, target_key: str) -> None:
        digest = hashlib.sha256(target_key.encode()).hexdigest()[:16]
        self.path = state_dir / "logcanary" / f"{digest}.json"

    def load(self, now: float) -> tuple[CanaryState, str | None]:
        """The saved state, or a fresh one and the reason the saved one was not used."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return CanaryState(started_at=now), None
        except (OSError, ValueError) as exc:
            return CanaryState(started_at=now), f"state file unreadable, starting fresh: {exc}"
        try:
            return _decode(raw), None
        except (KeyError, TypeError, ValueError) as exc:
            return CanaryState(started_at=now), f"state file malformed, starting fresh: {exc!r}"

    def save(self, state: CanaryState) -> None:
        """Write the state (temporary file, fsync, rename); OSError propagates."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = json.dumps({"version": _VERSION, "state": dataclasses.asdict(state)})
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)


def _decode(raw: Any) -> CanaryState:
    if not isinstance(raw, dict) or raw.get("version") != _VERSION:
        raise ValueError("unknown state file version")
    data = dict(raw["state"])
    canaries = [
        TrackedCanary(
            id=str(c["id"]),
            emitted_at=float(c["emitted_at"]),
            backends={name: Sighting(**s) for name, s in c["backends"].items()},
        )
        for c in data.pop("canaries")
    ]
    stats = {name: BackendStats(**s) for name, s in data.pop("stats").items()}
    return CanaryState(**data, canaries=canaries, stats=stats)
