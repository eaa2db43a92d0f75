"""The components section: targets grouped by job, problems first, the page kept bounded.

With thousands of targets the overview cannot show every row and stay readable (or small):
every target with a problem gets its row, and healthy targets get theirs only in jobs of at
most ``SMALL_JOB`` targets, ``OVERVIEW_ROWS`` rows in all (jobs with problems come first, so
problems take the rows first). Everything left out is counted
per job, and the job's own view (``?job=NAME``) shows all of its targets (up to
``JOB_ROWS``).
"""

from __future__ import annotations

from collections.abc import Iterable

from watchdog.probe_history import Bucket
from watchdog.redact import redact, redact_url
from watchdog.status.plainwords import hint_for
from watchdog.status.views import JobGroup, TargetHealth, TargetView, When
from watchdog.target_state import TargetState

__all__ = ["JOB_ROWS", "OVERVIEW_ROWS", "SMALL_JOB", "build_groups", "target_health", "target_view"]

OVERVIEW_ROWS = 200
SMALL_JOB = 10
JOB_ROWS = 1000
MAX_FACTS = 8
_FACT_LENGTH = 120
_ORDER: dict[TargetHealth, int] = {"down": 0, "failing": 1, "unknown": 2, "up": 3}


def target_health(state: TargetState) -> TargetHealth:
    """``up`` (answered, check passed), ``failing`` (answered, check failed), ``down``, or
    ``unknown`` (not probed yet)."""
    if state.health == "unknown":
        return "unknown"
    if state.health == "down":
        return "down"
    return "up" if state.success else "failing"


def _endpoint(state: TargetState) -> str:
    config = state.spec.config
    for name in ("url", "address", "path"):
        value = getattr(config, name, None)
        if value is None or hasattr(value, "get_secret_value"):
            continue
        text = str(value)
        return redact_url(text) if "://" in text else redact(text)
    urls = getattr(config, "urls", None)
    if isinstance(urls, list) and urls:
        shown = [redact_url(str(u)) for u in urls[:3]]
        return ", ".join(shown) + (f" (+{len(urls) - 3})" if len(urls) > 3 else "")
    return state.spec.instance


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def target_view(state: TargetState, now: float, *, history: bool = True) -> TargetView:
    """One target's row (``history=False`` leaves the sparkline data out)."""
    spec = state.spec
    health = target_health(state)
    error = redact(state.last_error) if state.last_error and health != "up" else None
    facts = [(k, _clip(redact(v), _FACT_LENGTH)) for k, v in list(state.facts.items())]
    buckets: list[Bucket] = state.history.last_hour(now) if history else []
    return TargetView(
        job=spec.job,
        instance=spec.instance,
        kind=spec.kind,
        endpoint=_endpoint(state),
        health=health,
        error=error,
        hint=hint_for(error) if error else None,
        last_probe=When(state.last_probe) if state.last_probe is not None else None,
        last_success=When(state.last_success) if state.last_success is not None else None,
        duration=state.last_duration,
        interval=spec.interval,
        facts=facts[:MAX_FACTS],
        history=buckets,
    )


def build_groups(
    states: Iterable[TargetState], now: float, *, job: str | None = None
) -> list[JobGroup]:
    """Job groups, the ones with problems first; ``job`` limits them to one job."""
    by_job: dict[str, list[TargetState]] = {}
    for state in states:
        if job is None or state.spec.job == job:
            by_job.setdefault(state.spec.job, []).append(state)
    ranked = []
    for name, members in by_job.items():
        healths = [(target_health(s), s) for s in members]
        healths.sort(key=lambda pair: (_ORDER[pair[0]], pair[1].spec.instance))
        counts: dict[str, int] = dict.fromkeys(_ORDER, 0)
        for health, _ in healths:
            counts[health] += 1
        ranked.append((name, healths, counts))
    ranked.sort(key=lambda g: (-g[2]["down"], -g[2]["failing"], -g[2]["unknown"], g[0]))
    budget = JOB_ROWS if job is not None else OVERVIEW_ROWS
    groups = []
    for name, healths, counts in ranked:
        show_healthy = job is not None or len(healths) <= SMALL_JOB
        rows = []
        for health, state in healths:
            if (health != "up" or show_healthy) and budget > 0:
                rows.append(target_view(state, now))
                budget -= 1
        groups.append(
            JobGroup(
                job=name,
                kinds=sorted({s.spec.kind for _, s in healths}),
                counts=counts,
                targets=rows,
                hidden=len(healths) - len(rows),
            )
        )
    return groups
