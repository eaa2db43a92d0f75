"""A small cron-like directory tree and a host target that watches only it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["files_only_host", "make_cron_tree"]


def make_cron_tree(root: Path) -> Path:
    """``root/etc`` with ``cron.d/{backup,logrotate}`` and ``cron.daily/apt``; returns ``etc``."""
    etc = root / "etc"
    for sub, files in {"cron.d": ["backup", "logrotate"], "cron.daily": ["apt"]}.items():
        (etc / sub).mkdir(parents=True)
        for name in files:
            (etc / sub / name).write_text(f"# {name}\n")
    return etc


def files_only_host(watched: Path, **files: Any) -> dict[str, Any]:
    """A ``host`` target (job host-files, instance bastion) with only the file check on."""
    off = {"enabled": False}
    return {
        "job": "host-files",
        "instance": "bastion",
        "kind": "host",
        "processes": off,
        "listeners": off,
        "files": {"watch": [f"{watched}/cron*"], **files},
    }
