"""Alert delivery: Alertmanager replicas, fallback to emergency receivers, outbox, heartbeats.

``DeliveryService`` (in ``watchdog.notify.service``) is the one entry point the daemon uses.
"""

__all__: list[str] = []
