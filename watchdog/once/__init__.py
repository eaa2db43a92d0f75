"""``monitor-watchdog once``: one probe round and one rule evaluation, read-only, then exit.

The pieces: ``scratch`` (a private copy of the probes' saved state), ``loop`` (an event loop
that never waits for a hung worker thread on exit), ``probing`` (the round), ``evaluate``
(rules over those samples, honouring the daemon's persisted alert state read-only) and
``render`` (table and JSON). ``watchdog.commands.once`` puts them together.
"""

from watchdog.once.evaluate import AlertVerdict, Evaluation, RuleProblem, evaluate_rules
from watchdog.once.loop import run_bounded
from watchdog.once.probing import TargetResult, probe_round
from watchdog.once.render import Verdict, judge, render_json, render_table
from watchdog.once.run import OnceResult, run_once
from watchdog.once.saved import SavedState, load_saved_state
from watchdog.once.scratch import scratch_state

__all__ = [
    "AlertVerdict",
    "Evaluation",
    "OnceResult",
    "RuleProblem",
    "SavedState",
    "TargetResult",
    "Verdict",
    "evaluate_rules",
    "judge",
    "load_saved_state",
    "probe_round",
    "render_json",
    "render_table",
    "run_bounded",
    "run_once",
    "scratch_state",
]
