"""The file baseline: stored as JSON in the state directory, written atomically, checksummed.

The checksum covers everything else in the file, so a truncated, hand-edited or half-written
baseline is refused with a precise error rather than silently compared against.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.hostcheck.errors import BaselineError
from watchdog.hostcheck.files import Fingerprint

__all__ = ["FORMAT_VERSION", "Baseline", "baseline_path", "load_baseline", "save_baseline"]

FORMAT_VERSION = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Baseline:
    """The fingerprints recorded for one host target at ``created`` (Unix seconds)."""

    created: float
    watch: list[str]
    files: dict[str, Fingerprint]

    def body(self) -> dict[str, Any]:
        """Everything the checksum covers."""
        return {
            "version": FORMAT_VERSION,
            "created": self.created,
            "watch": self.watch,
            "files": self.files,
        }


def baseline_path(state_dir: Path, job: str, instance: str) -> Path:
    """Where the baseline of target ``job/instance`` lives (readable name, collision-free)."""
    key = f"{job}/{instance}"
    readable = _UNSAFE.sub("_", f"{job}-{instance}")[:80]
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return state_dir / "host-baseline" / f"{readable}-{digest}.json"


def _checksum(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def save_baseline(path: Path, baseline: Baseline) -> None:
    """Write atomically: a temp file in the same directory, fsync, rename, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = baseline.body()
    data = json.dumps({**body, "sha256": _checksum(body)}, sort_keys=True, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_baseline(path: Path) -> Baseline | None:
    """The stored baseline, None when there is none, BaselineError when it cannot be trusted."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(
            f"baseline {path} is not valid JSON ({exc}): corrupt or truncated"
        ) from None
    if not isinstance(data, dict):
        raise BaselineError(f"baseline {path} is not a JSON object")
    if data.get("version") != FORMAT_VERSION:
        raise BaselineError(
            f"baseline {path} has format version {data.get('version')!r}, expected {FORMAT_VERSION}"
        )
    stored = data.pop("sha256", None)
    if stored != _checksum(data):
        raise BaselineError(
            f"baseline {path} fails its checksum: it was modified or damaged after recording"
        )
    created, watch, files = data.get("created"), data.get("watch"), data.get("files")
    if (
        not isinstance(created, int | float)
        or not isinstance(watch, list)
        or not isinstance(files, dict)
    ):
        raise BaselineError(f"baseline {path} lacks created/watch/files")
    return Baseline(float(created), [str(w) for w in watch], files)
