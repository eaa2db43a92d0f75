"""``certfile``: certificates on disk (PEM bundles or DER, paths or globs): when do they expire?

Each certificate gets its own series labelled with its file, subject CN and serial, so a
rule can name the one that is about to expire; the earliest expiry is summarised too.
Private keys in the same files are skipped and never echoed. Files are read on a small
pool of daemon threads, so a hung file system costs one failed probe, not the event loop.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from watchdog.config.targets import TargetBase
from watchdog.config.types import ConfigPath
from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.offload import (
    Offloader,
    read_small_file,
)
from watchdog.probes.x509util import (
    CertificateParseError,
    common_name,
    describe_remaining,
    iso_time,
    load_certificates,
    not_after,
    serial_hex,
)
from watchdog.samples import Sample

__all__ = ["KIND", "CertFileTarget"]

_MAX_FILE = 4 * 1024 * 1024
"""No certificate bundle is this big; a larger file is a mistake in the config."""

if TYPE_CHECKING:
    from cryptography import x509

    Loaded = list[tuple[Path, list[x509.Certificate] | str]]
"""Each file with its certificates, or the reason it could not be used."""
_FILES: Offloader[tuple[Loaded, list[str]]] = Offloader("certfile-read", max_threads=2)


class CertFileTarget(TargetBase):
    """Settings of a ``certfile`` target."""

    kind: Literal["certfile"]
    paths: list[ConfigPath] = Field(min_length=1)
    """Files or globs (``/etc/ssl/private/*.pem``); relative ones are taken from the config dir."""

    def default_instance(self) -> str:
        """The single path, or the job name for several."""
        return str(self.paths[0]) if len(self.paths) == 1 else self.job


def _load(patterns: list[Path]) -> tuple[Loaded, list[str]]:
    loaded: Loaded = []
    missing = []
    for pattern in patterns:
        text = str(pattern)
        matches = sorted(Path(p) for p in glob.glob(text)) if glob.has_magic(text) else [pattern]  # noqa: PTH207
        if glob.has_magic(text) and not matches:
            missing.append(f"{text} matches no file")
        for path in matches:
            if path.is_dir():
                continue
            try:
                loaded.append((path, load_certificates(read_small_file(path, _MAX_FILE))))
            except ProbeError as exc:
                loaded.append((path, str(exc)))
            except CertificateParseError as exc:
                loaded.append((path, f"{path}: {exc}"))
    return loaded, missing


async def probe_certfile(ctx: ProbeContext[CertFileTarget]) -> ProbeResult:
    """Read every file and report each certificate's expiry."""
    cfg = ctx.config
    loaded, missing = await _FILES.run_in_probe(
        ctx.spec.key, lambda: _load(cfg.paths), ctx.timeout * 0.8, "reading the certificate files"
    )
    now = ctx.clock.now()
    samples: list[Sample] = []
    errors = list(missing)
    expired: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    earliest: tuple[float, Path, x509.Certificate] | None = None
    for path, result in loaded:
        if isinstance(result, str):
            errors.append(result)
            continue
        for cert in result:
            labels = {
                "path": str(path),
                "subject_cn": common_name(cert.subject),
                "serial": serial_hex(cert),
            }
            key = (labels["path"], labels["subject_cn"], labels["serial"])
            if key in seen:
                continue  # the same certificate twice in one bundle
            seen.add(key)
            expiry = not_after(cert)
            samples += [
                Sample("watchdog_certfile_not_after_timestamp_seconds", expiry, labels),
                Sample("watchdog_certfile_expires_in_seconds", expiry - now, labels),
            ]
            if expiry <= now:
                expired.append(f"{path}: {labels['subject_cn']} {describe_remaining(expiry - now)}")
            if earliest is None or expiry < earliest[0]:
                earliest = (expiry, path, cert)
    if earliest is None:
        raise ProbeError("; ".join(errors) if errors else "no certificate found")
    expiry, path, cert = earliest
    samples += [
        Sample("watchdog_certfile_certificates", len(seen)),
        Sample("watchdog_certfile_errors", len(errors)),
        Sample("watchdog_certfile_earliest_expiry_timestamp_seconds", expiry),
        Sample("watchdog_certfile_earliest_expires_in_seconds", expiry - now),
    ]
    facts = {
        "certificates": str(len(seen)),
        "earliest": f"{common_name(cert.subject)} in {path.name}",
        "not_after": iso_time(expiry),
        "expires_in": describe_remaining(expiry - now),
    }
    return ProbeResult(samples, failure="; ".join(errors + expired) or None, facts=facts)


KIND = ProbeKind(
    name="certfile",
    config=CertFileTarget,
    run=probe_certfile,
    produces=frozenset(
        {
            "watchdog_certfile_not_after_timestamp_seconds",
            "watchdog_certfile_expires_in_seconds",
            "watchdog_certfile_certificates",
            "watchdog_certfile_errors",
            "watchdog_certfile_earliest_expiry_timestamp_seconds",
            "watchdog_certfile_earliest_expires_in_seconds",
        }
    ),
    summary="Certificates on disk (PEM/DER, globs): expiry of each, earliest expiry",
)
