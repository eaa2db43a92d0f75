"""Verify a Vault/OpenBao raft snapshot file natively, without the ``bao`` binary.

A snapshot (``bao operator raft snapshot save``) is a gzip-compressed tar holding
``meta.json`` (raft index, term, size), ``state.bin`` (the data), ``SHA256SUMS`` (hashes of
the two) and, from newer servers, ``SHA256SUMS.sealed`` (encrypted with the barrier key, so
it cannot be checked offline). Verification streams the file once: gzip CRC and length,
tar structure, SHA-256 of both members against ``SHA256SUMS``, and a sanity check of
``meta.json``. Memory stays flat whatever the snapshot size.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["SnapshotVerdict", "VerdictCache", "verify_snapshot"]

_CHUNK = 1024 * 1024
_SMALL_MEMBER_LIMIT = 1024 * 1024
"""meta.json and SHA256SUMS are a few hundred bytes; anything past this is not a snapshot."""
_CHECKED = ("meta.json", "state.bin")


@dataclass(frozen=True)
class SnapshotVerdict:
    """The outcome of verifying one snapshot file."""

    ok: bool
    reason: str = ""
    index: int | None = None
    term: int | None = None
    state_size: int | None = None
    sealed_sums: bool = False


class _SnapshotInvalidError(Exception):
    pass


def _read_member(stream: IO[bytes], name: str, keep: bool) -> tuple[str, int, bytes]:
    digest = hashlib.sha256()
    size = 0
    kept = bytearray()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if keep:
            if size > _SMALL_MEMBER_LIMIT:
                raise _SnapshotInvalidError(f"{name} is over {_SMALL_MEMBER_LIMIT} bytes")
            kept += chunk
    return digest.hexdigest(), size, bytes(kept)


def _parse_sums(text: bytes) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, raw in enumerate(text.decode("utf-8", "replace").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        digest, _, name = line.partition(" ")
        name = name.strip().lstrip("*")
        if len(digest) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digest) or not name:
            raise _SnapshotInvalidError(f"SHA256SUMS line {number} is malformed")
        sums[name] = digest.lower()
    return sums


def _check_meta(raw: bytes, state_size: int) -> tuple[int, int]:
    try:
        meta: Any = json.loads(raw)
    except ValueError as exc:
        raise _SnapshotInvalidError(f"meta.json is not JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise _SnapshotInvalidError("meta.json is not a JSON object")
    index, term = meta.get("Index"), meta.get("Term")
    if not isinstance(index, int) or index <= 0 or not isinstance(term, int) or term <= 0:
        raise _SnapshotInvalidError(
            f"meta.json has no positive raft Index/Term (Index={index!r}, Term={term!r})"
        )
    size = meta.get("Size")
    if isinstance(size, int) and size != state_size:
        raise _SnapshotInvalidError(
            f"meta.json says state.bin has {size} bytes, the archive holds {state_size}"
        )
    return index, term


def _walk(gz: gzip.GzipFile) -> SnapshotVerdict:
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    small: dict[str, bytes] = {}
    sealed = False
    with tarfile.open(fileobj=gz, mode="r|") as archive:
        for member in archive:
            name = member.name
            if name == "SHA256SUMS.sealed":
                sealed = True
                continue
            if name not in (*_CHECKED, "SHA256SUMS"):
                continue
            if name in hashes:
                raise _SnapshotInvalidError(f"the archive holds {name} twice")
            stream = archive.extractfile(member) if member.isreg() else None
            if stream is None:
                raise _SnapshotInvalidError(f"{name} is not a regular file in the archive")
            hashes[name], sizes[name], content = _read_member(stream, name, name != "state.bin")
            if content:
                small[name] = content
    # The tar end marker comes before the gzip trailer: read on so the CRC is checked.
    while gz.read(_CHUNK):
        pass
    missing = [n for n in (*_CHECKED, "SHA256SUMS") if n not in hashes]
    if missing:
        raise _SnapshotInvalidError(f"the archive has no {', '.join(missing)}")
    sums = _parse_sums(small.get("SHA256SUMS", b""))
    for name in _CHECKED:
        if name not in sums:
            raise _SnapshotInvalidError(f"SHA256SUMS does not list {name}")
        if sums[name] != hashes[name]:
            raise _SnapshotInvalidError(f"{name} SHA-256 mismatch")
    index, term = _check_meta(small.get("meta.json", b""), sizes["state.bin"])
    return SnapshotVerdict(True, "", index, term, sizes["state.bin"], sealed)


def verify_snapshot(path: Path) -> SnapshotVerdict:
    """Verify ``path``; never raises for bad content (the verdict says what is wrong)."""
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            return _walk(gz)
    except _SnapshotInvalidError as exc:
        return SnapshotVerdict(False, str(exc))
    except EOFError:
        return SnapshotVerdict(False, "truncated: the gzip stream ends early")
    except gzip.BadGzipFile as exc:
        reason = str(exc)
        if reason.startswith(("CRC check failed", "Incorrect length")):
            return SnapshotVerdict(False, f"corrupt: gzip trailer check failed ({reason})")
        return SnapshotVerdict(False, f"not a valid gzip file: {reason}")
    except zlib.error as exc:
        return SnapshotVerdict(False, f"compressed data is corrupt: {exc}")
    except tarfile.ReadError as exc:
        reason = str(exc)
        if "unexpected end" in reason:
            return SnapshotVerdict(False, "truncated: the tar archive ends early")
        return SnapshotVerdict(False, f"not a valid tar archive: {reason}")
    except tarfile.TarError as exc:
        return SnapshotVerdict(False, f"not a valid tar archive: {exc}")
    except OSError as exc:
        return SnapshotVerdict(False, f"cannot read: {exc.strerror or exc}")


class VerdictCache:
    """Verdicts by (path, size, mtime): an unchanged 1 GB snapshot is hashed once."""

    def __init__(self, max_entries: int = 256) -> None:
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, int, int], SnapshotVerdict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> SnapshotVerdict | None:
        """The cached verdict for ``key``, if any."""
        with self._lock:
            verdict = self._entries.get(key)
            if verdict is not None:
                self._entries.move_to_end(key)
            return verdict

    def put(self, key: tuple[str, int, int], verdict: SnapshotVerdict) -> None:
        """Remember a verdict, evicting the least recently used beyond the limit."""
        with self._lock:
            self._entries[key] = verdict
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
