"""The page's JSON twins: the same views, in the API's conventions."""

from __future__ import annotations

from tests.page.test_render import NOW, _hour
from watchdog.status.api import to_json
from watchdog.status.views import JobGroup, TargetView, When


def test_views_become_camel_case_json_with_rfc3339_times() -> None:
    """Keys are camelCase, moments RFC 3339, facts an object, history only probed minutes."""
    target = TargetView(
        job="vault",
        instance="vault-0:8200",
        kind="vault",
        endpoint="https://vault-0:8200",
        health="failing",
        error="vault-0:8200 is sealed",
        hint="Vault is sealed",
        last_probe=When(NOW),
        last_success=None,
        duration=0.012,
        interval=15.0,
        facts=[("sealed", "true"), ("version", "2.7.2")],
        history=_hour("ok", "none", "down").last_hour(NOW),
    )
    data = to_json(JobGroup("vault", ["vault"], {"failing": 1}, [target], hidden=0))
    row = data["targets"][0]
    assert row["lastProbe"] == "2027-01-15T08:00:00Z" and row["lastSuccess"] is None
    assert row["facts"] == {"sealed": "true", "version": "2.7.2"}
    assert [(m["start"], m["ok"], m["down"]) for m in row["history"]] == [
        ("2027-01-15T07:58:00Z", 1, 0),
        ("2027-01-15T08:00:00Z", 0, 1),
    ]
    assert set(data) == {"job", "kinds", "counts", "targets", "hidden"}
