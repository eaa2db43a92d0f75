"""Where the daemon keeps its state when the config does not say: one rule for every command."""

from __future__ import annotations

import os

__all__ = ["FHS_STATE_DIR", "default_state_dir"]

FHS_STATE_DIR = "/var/lib/monitor-watchdog"


def default_state_dir() -> str:
    """systemd's ``$STATE_DIRECTORY`` (its first entry) when set, else the FHS location."""
    return os.environ.get("STATE_DIRECTORY", FHS_STATE_DIR).split(":")[0]
