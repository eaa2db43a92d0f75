"""``vault``: health, seal state and authenticated checks of Vault/OpenBao nodes."""

from watchdog.probes.kinds.vault.probe import KIND, VaultTarget

__all__ = ["KIND", "VaultTarget"]
