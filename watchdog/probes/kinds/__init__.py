"""One module (or one subpackage, for the large ones) per probe kind, each exposing ``KIND``.

Shared helpers live one level up in ``watchdog.probes``; the registry is ``watchdog.probes.PROBES``.
"""
