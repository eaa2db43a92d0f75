"""Basic auth against bcrypt hashes: right, wrong, unknown, remembered, and bounded."""

from __future__ import annotations

import asyncio
import base64

from tests.webconfig.pki import bcrypt_hash
from watchdog.webconfig.auth import BasicAuthChecker


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_outcomes_of_credentials() -> None:
    """Right password passes; wrong, unknown user, other schemes and garbage do not."""
    users = {"alice": bcrypt_hash("s3cret:with colon").encode()}
    checker = BasicAuthChecker()
    try:
        assert await checker.check(users, _basic("alice", "s3cret:with colon")) == "ok"
        assert await checker.check(users, _basic("alice", "nope")) == "wrong"
        assert await checker.check(users, _basic("bob", "s3cret:with colon")) == "wrong"
        assert await checker.check(users, "Bearer abc") == "missing"
        assert await checker.check(users, "Basic !!!not-base64") == "missing"
        assert await checker.check(users, None) == "missing"
    finally:
        checker.close()


async def test_a_passed_credential_is_remembered_until_the_users_change() -> None:
    """The second check of a good credential needs no bcrypt; a changed hash needs it again."""
    users = {"alice": bcrypt_hash("pw").encode()}
    checker = BasicAuthChecker(max_pending=0)  # any check that needs bcrypt answers busy
    try:
        assert await checker.check(users, _basic("alice", "pw")) == "busy"
        warm = BasicAuthChecker()
        assert await warm.check(users, _basic("alice", "pw")) == "ok"
        warm._max_pending = 0
        assert await warm.check(users, _basic("alice", "pw")) == "ok"  # remembered
        rotated = {"alice": bcrypt_hash("pw").encode()}  # same password, new salt
        assert await warm.check(rotated, _basic("alice", "pw")) == "busy"
        warm.close()
    finally:
        checker.close()


async def test_a_flood_of_checks_is_answered_busy_not_queued() -> None:
    """Beyond max_pending concurrent bcrypt checks, requests are refused at once."""
    users = {"alice": bcrypt_hash("pw", rounds=8).encode()}
    checker = BasicAuthChecker(threads=1, max_pending=2)
    try:
        outcomes = await asyncio.gather(
            *(checker.check(users, _basic("alice", f"guess-{n}")) for n in range(6))
        )
        assert sorted(outcomes) == ["busy"] * 4 + ["wrong"] * 2
    finally:
        checker.close()
