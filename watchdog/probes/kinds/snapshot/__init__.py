"""``snapshot``: a directory of Vault/OpenBao raft snapshots, fresh and intact."""

from watchdog.probes.kinds.snapshot.probe import KIND, SnapshotTarget

__all__ = ["KIND", "SnapshotTarget"]
