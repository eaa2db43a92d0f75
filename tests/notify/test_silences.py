"""Local silences: `monitor-watchdog silence add|query|expire`, the file they live in, and the
token-guarded API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from watchdog.alerts import iso_time
from watchdog.cli import main
from watchdog.clock import SystemClock
from watchdog.notify.silences import SilenceStore
from watchdog.notify.silences.api import silence_routes
from watchdog.notify.silences.store import LOCAL_FILE, MIRROR_FILE


def cli(state: Path, *args: str) -> int:
    """Run the silence command against ``state``."""
    return main(["silence", *args[:1], "--state-dir", str(state), *args[1:]])


def test_add_query_expire_with_amtool_matchers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """add prints the id; query lists it with matchers, author and comment; expire ends it."""
    code = cli(
        tmp_path,
        "add",
        "VaultSealed",
        'instance=~"vault-.*"',
        "--duration",
        "2h",
        "--comment",
        "upgrade",
        "--author",
        "alice",
    )
    assert code == 0
    silence_id = capsys.readouterr().out.strip()
    assert cli(tmp_path, "query") == 0
    listed = capsys.readouterr().out
    assert silence_id in listed and "active" in listed
    assert '{alertname="VaultSealed",instance=~"vault-.*"}' in listed
    assert "by alice" in listed and "upgrade" in listed
    snapshot = SilenceStore(tmp_path).snapshot(time.time())
    assert snapshot.silenced_by({"alertname": "VaultSealed", "instance": "vault-0"}, time.time())
    assert cli(tmp_path, "expire", silence_id) == 0
    capsys.readouterr()
    assert cli(tmp_path, "query", "-q") == 0
    assert capsys.readouterr().out == ""
    assert cli(tmp_path, "query", "--expired", "-q") == 0
    assert capsys.readouterr().out.strip() == silence_id
    assert (tmp_path / LOCAL_FILE).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (['team!="x"'], "must not match the empty string"),
        (["a=b", "--end", "2001-01-01T00:00:00Z"], "endsAt"),
        (['a="x'], "closing double quote"),
        (["a=b", "--duration", "2 hours"], "duration"),
    ],
)
def test_add_refuses_what_alertmanager_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], reason: str
) -> None:
    """A silence of everything, one already over, or a bad matcher: exit 2 with the reason."""
    assert cli(tmp_path, "add", *args, "--comment", "c") == 2
    assert reason in capsys.readouterr().err
    assert not (tmp_path / LOCAL_FILE).exists()


def test_a_damaged_file_is_reported_and_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local file that is not JSON: add fails (exit 1) and leaves it for a human."""
    (tmp_path / LOCAL_FILE).write_text("{not json")
    assert cli(tmp_path, "add", "a=b", "--comment", "c") == 1
    assert "cannot read" in capsys.readouterr().err
    assert (tmp_path / LOCAL_FILE).read_text() == "{not json"


def test_a_mirrored_silence_can_be_expired_locally(tmp_path: Path) -> None:
    """During an outage, a mirrored silence can be ended here (Alertmanager is unreachable)."""
    now = time.time()
    mirrored = {
        "id": "am-1",
        "matchers": [{"name": "alertname", "value": "X", "isRegex": False, "isEqual": True}],
        "startsAt": iso_time(now - 60),
        "endsAt": iso_time(now + 3600),
        "createdBy": "bob",
        "comment": "maint",
    }
    (tmp_path / MIRROR_FILE).write_text(
        json.dumps(
            {"replicas": {"http://am:9093": {"fetchedAt": iso_time(now), "silences": [mirrored]}}}
        )
    )
    store = SilenceStore(tmp_path)
    assert store.snapshot(now).silenced_by({"alertname": "X"}, now) == ["am-1"]
    ended = store.expire("am-1", now)
    assert ended.source == "http://am:9093"
    assert store.snapshot(now + 1).silenced_by({"alertname": "X"}, now + 1) == []


async def test_api_writes_need_the_token_and_reads_do_not(tmp_path: Path) -> None:
    """POST/DELETE: 403 without a configured token, 401 with a wrong one, 200 with it;
    GET lists silences in Alertmanager's shape plus their source."""
    token: list[str | None] = [None]
    app = web.Application()
    app.add_routes(silence_routes(SilenceStore(tmp_path), SystemClock(), lambda: token[0]))
    body = {
        "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": False}],
        "endsAt": iso_time(time.time() + 600),
        "createdBy": "api",
        "comment": "swap disk",
    }
    async with TestClient(TestServer(app)) as client:
        assert (await client.post("/api/v1/silences", json=body)).status == 403
        token[0] = "t0ken"
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.post("/api/v1/silences", json=body, headers=wrong)).status == 401
        good = {"Authorization": "Bearer t0ken"}
        answer = await client.post("/api/v1/silences", json=body, headers=good)
        assert answer.status == 200
        silence_id = (await answer.json())["data"]["silenceID"]
        listed = (await (await client.get("/api/v1/silences?state=active")).json())["data"]
        assert [(s["id"], s["source"], s["status"]["state"]) for s in listed] == [
            (silence_id, "local", "active")
        ]
        bad = await client.post("/api/v1/silences", json={**body, "matchers": []}, headers=good)
        assert bad.status == 400
        gone = await client.delete(f"/api/v1/silence/{silence_id}", headers=good)
        assert gone.status == 200
        missing = await client.delete("/api/v1/silence/nope", headers=good)
        assert missing.status == 404
        assert (await (await client.get("/api/v1/silences?state=active")).json())["data"] == []
