"""``monitor-watchdog once``: one probe round and one rule evaluation, read-only, then exit.

The pieces: ``scratch`` (a private copy of the probes' saved state), ``loop`` (an event loop
that never waits for a hung worker thread on exit), ``run`` (the round, then ``evaluate``:
rules over those samples, honouring the daemon's persisted alert state read-only) and
``render`` (table and JSON). ``watchdog.commands.once`` puts them together.
"""
