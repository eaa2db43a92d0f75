"""Probe kinds. ``PROBES`` maps a target's ``kind`` to its config model and coroutine.

Adding a kind means adding one module with a ``KIND`` and one line here; the scheduler and the
config loader find it through this mapping.
"""

from watchdog.probes.base import ProbeContext, ProbeError, ProbeKind, ProbeResult
from watchdog.probes.kinds import (
    alertmanager,
    buffer,
    certfile,
    crl,
    dns,
    elasticsearch,
    fluentbit,
    host,
    http,
    logcanary,
    loki,
    prometheus,
    reconcile,
    scrape,
    snapshot,
    tcp,
    tls,
    vault,
)

__all__ = ["PROBES", "ProbeContext", "ProbeError", "ProbeKind", "ProbeResult"]

PROBES: dict[str, ProbeKind] = {
    kind.name: kind
    for kind in (
        http.KIND,
        tcp.KIND,
        scrape.KIND,
        vault.KIND,
        snapshot.KIND,
        tls.KIND,
        crl.KIND,
        certfile.KIND,
        prometheus.KIND,
        alertmanager.KIND,
        loki.KIND,
        elasticsearch.KIND,
        fluentbit.KIND,
        logcanary.KIND,
        reconcile.KIND,
        buffer.KIND,
        host.KIND,
        dns.KIND,
    )
}
