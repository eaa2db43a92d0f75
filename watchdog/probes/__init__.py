"""Probe kinds. ``PROBES`` maps a target's ``kind`` to its config model and coroutine.

Adding a kind means adding one module with a ``KIND`` and one line here naming that module;
the scheduler and the config loader find it through this mapping, which imports a kind's
module only when a config uses the kind (``watchdog.probes.registry``).
"""

from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.registry import KindRegistry

__all__ = ["PROBES", "ProbeContext", "ProbeError", "ProbeKind", "ProbeResult"]

PROBES = KindRegistry(
    {
        "http": "watchdog.probes.kinds.http",
        "tcp": "watchdog.probes.kinds.tcp",
        "scrape": "watchdog.probes.kinds.scrape",
        "vault": "watchdog.probes.kinds.vault",
        "snapshot": "watchdog.probes.kinds.snapshot",
        "tls": "watchdog.probes.kinds.tls",
        "crl": "watchdog.probes.kinds.crl",
        "certfile": "watchdog.probes.kinds.certfile",
        "prometheus": "watchdog.probes.kinds.prometheus",
        "alertmanager": "watchdog.probes.kinds.alertmanager",
        "loki": "watchdog.probes.kinds.loki",
        "elasticsearch": "watchdog.probes.kinds.elasticsearch",
        "fluentbit": "watchdog.probes.kinds.fluentbit",
        "logcanary": "watchdog.probes.kinds.logcanary",
        "reconcile": "watchdog.probes.kinds.reconcile",
        "buffer": "watchdog.probes.kinds.buffer",
        "host": "watchdog.probes.kinds.host",
        "dns": "watchdog.probes.kinds.dns",
    }
)
