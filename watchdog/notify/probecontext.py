"""What the probes know about the target an alert is about, as annotations for its page.

An alert whose labels name a target (``job`` and ``instance``, or a ``job`` with a single
target) carries that target's current probe error (``watchdog_probe_error``, e.g.
``truncated: the gzip stream ends early`` or ``connection refused``) and its key facts
(``watchdog_probe_facts``: ``integrity=ok, raft_index=42``), so the on-call does not have to
look them up in ``/api/v1/targets``. The texts are what the probes recorded: already
redacted, and clipped here to keep pages readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from watchdog.notify.receivers.base import PROBE_ERROR_ANNOTATION, PROBE_FACTS_ANNOTATION
from watchdog.target_state import TargetState

__all__ = ["ERROR_LIMIT", "FACTS_LIMIT", "probe_annotations"]

ERROR_LIMIT = 500
FACTS_LIMIT = 500


def probe_annotations(
    states: Callable[[], Iterable[TargetState]], labels: Mapping[str, str]
) -> dict[str, str]:
    """The probe error and key facts of the target ``labels`` name (empty if none)."""
    job = labels.get("job")
    if not job:
        return {}
    instance = labels.get("instance")
    same_job = [s for s in states() if s.spec.job == job]
    matching = [s for s in same_job if s.spec.instance == instance] if instance else same_job
    if len(matching) != 1:
        return {}
    state = matching[0]
    out: dict[str, str] = {}
    if state.last_error:
        out[PROBE_ERROR_ANNOTATION] = _clip(state.last_error, ERROR_LIMIT)
    if state.facts:
        facts = ", ".join(f"{k}={v}" for k, v in sorted(state.facts.items()))
        out[PROBE_FACTS_ANNOTATION] = _clip(facts, FACTS_LIMIT)
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
