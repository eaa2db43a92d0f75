"""The alerting stage: every Alertmanager replica, emergency receiver and the heartbeat."""
