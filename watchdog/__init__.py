"""monitor-watchdog: watches the watchers of a security stack."""

__version__ = "0.1.0"

__all__ = ["__version__"]
