"""``monitor-watchdog drill``: the quarterly DR drill, made real, in stages.

The drill runs every stage in ``STAGES`` that the config gives something to do (``stage``
says what a stage is). The ``alerting`` stage sends a clearly labelled test alert
(``alertname="WatchdogDRDrill"``, ``severity="none"``, ``drill="<id>"``) through every
configured channel independently: each Alertmanager replica (posted, verified in its API,
resolved), each emergency receiver (its real body builder; triggered then resolved where the
kind can resolve) and the outgoing heartbeat. The outcome is a dated Markdown + JSON report,
one journal entry per channel or check, and an exit code.
"""
