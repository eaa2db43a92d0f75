"""The components section: targets by job, each with its state, error, facts and last hour."""

from __future__ import annotations

import hashlib

from watchdog.page.html import api_link, e, link, query_url
from watchdog.page.sparkline import sparkline
from watchdog.page.times import duration, when_html
from watchdog.status.views import JobGroup, TargetView

__all__ = ["components_section", "slug"]

_ICON = {"up": "✔", "failing": "▲", "down": "✖", "unknown": "?"}
_WORDS = {"up": "up", "failing": "failing", "down": "down", "unknown": "not probed yet"}


def slug(text: str) -> str:
    """A stable id fragment for any job name."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _facts(target: TargetView) -> str:
    if not target.facts:
        return ""
    items = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in target.facts)
    return f'<ul class="facts">{items}</ul>'


def _target(target: TargetView, now: float, api: str) -> str:
    twin = query_url(f"{api}/targets", job=target.job, instance=target.instance)
    where = (
        f'<div class="muted"><code>{e(target.endpoint)}</code></div>'
        if target.endpoint != target.instance
        else ""
    )
    problem = ""
    if target.error:
        problem = f'<div class="err">{e(target.error)}</div>'
        if target.hint:
            problem += f'<div class="hint">{e(target.hint)}</div>'
    took = f" in {e(duration(target.duration))}" if target.duration is not None else ""
    since = (
        f"<div>last success {when_html(target.last_success, now, never='never since start')}</div>"
        if target.health != "up"
        else ""
    )
    return (
        f'<li class="row target" data-health="{e(target.health)}" data-job="{e(target.job)}"'
        f' data-instance="{e(target.instance)}">'
        f'<div><span class="badge b-{e(target.health)}"><span aria-hidden="true">'
        f"{_ICON[target.health]}</span> {e(_WORDS[target.health])}</span>"
        f" <b>{e(target.instance)}</b> {api_link(twin, 'target ' + target.instance)}"
        f'<div class="muted">{e(target.kind)} · every {e(duration(target.interval))}</div>'
        f"{where}</div>"
        f"<div>{problem}{_facts(target)}</div>"
        f"<div>{sparkline(target.history)}{since}"
        f"<div>last probe {when_html(target.last_probe, now)}{took}</div></div></li>"
    )


def _counts(group: JobGroup) -> str:
    parts = []
    for health in ("down", "failing", "unknown", "up"):
        count = group.counts.get(health, 0)
        if count:
            parts.append(
                f'<span class="badge b-{health}"><span aria-hidden="true">{_ICON[health]}</span>'
                f" {count} {e(_WORDS[health])}</span>"
            )
    return " ".join(parts)


def _group(group: JobGroup, now: float, api: str) -> str:
    twin = query_url(f"{api}/targets", job=group.job)
    rows = "".join(_target(t, now, api) for t in group.targets)
    more = ""
    if group.hidden:
        more = (
            f'<p class="muted">{group.hidden} more target(s) not shown here: '
            f"{link(query_url('/', job=group.job), f'all of {group.job}')}</p>"
        )
    return (
        f'<section class="job" id="job-{slug(group.job)}" data-job="{e(group.job)}">'
        f'<h3>{e(group.job)} <span class="muted">{e(", ".join(group.kinds))}</span>'
        f" {_counts(group)} {api_link(twin, 'job ' + group.job)}</h3>"
        f'<ul class="rows">{rows}</ul>{more}</section>'
    )


def components_section(groups: list[JobGroup], now: float, api: str, job: str | None) -> str:
    """Every job group, problems first."""
    title = f"Components: {e(job)}" if job else "Components"
    back = f" {link('/', 'all jobs')}" if job else ""
    head = (
        f'<h2 id="components-h">{title} {api_link(f"{api}/targets", "the targets")}'
        f" {link('/api/v1/targets', 'Prometheus API')}{back}</h2>"
    )
    body = "".join(_group(g, now, api) for g in groups) or '<p class="empty">No targets.</p>'
    return f'<section id="components" aria-labelledby="components-h">{head}{body}</section>'
