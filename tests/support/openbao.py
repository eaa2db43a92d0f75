"""Moved to :mod:`devstack.openbao` (shared with the demo); re-exported."""

from devstack.openbao import OpenBao, find_bao, start_dev, start_raft

__all__ = ["OpenBao", "find_bao", "start_dev", "start_raft"]
