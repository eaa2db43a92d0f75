"""Alert delivery: Alertmanager replicas, fallback to emergency receivers, outbox, heartbeats."""
