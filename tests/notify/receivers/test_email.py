"""The email receiver against a real SMTP server (aiosmtpd) on loopback: TLS, auth, bodies,
and every failure retried without losing the mail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devstack.polling import async_wait_for
from devstack.procs import free_port
from tests.notify.certs import make_server_cert
from tests.notify.conftest import FAST_BACKOFF, alert, delivery_stack, until
from tests.notify.smtpserver import Mailbox, smtp_server
from watchdog.alerts import Notification
from watchdog.notify.http import Attempt
from watchdog.notify.receivers import Message
from watchdog.notify.receivers.email import EmailChannel, EmailReceiver
from watchdog.notify.routing import Route

REASON = "no Alertmanager accepts alerts: http://am:9093: connection refused"


def receiver(port: int, **extra: Any) -> EmailReceiver:
    """An email receiver for the test server (STARTTLS with the test CA unless told)."""
    return EmailReceiver.model_validate(
        {
            "kind": "email",
            "to": "oncall@example.org, sec@example.org",
            "from": "watchdog@bastion.example.org",
            "smarthost": f"127.0.0.1:{port}",
            "timeout": "5s",
            **extra,
        }
    )


def message(*alerts: Notification, receiver_name: str = "mail") -> Message:
    """A message grouped by alert name, as the dispatcher builds it."""
    return Message(
        receiver_name,
        "vault",
        list(alerts),
        REASON,
        "http://bastion-1:9911",
        groups=Route(receiver_name).group(list(alerts)),
    )


async def send(channel: EmailChannel, msg: Message) -> Attempt:
    """Build and send the one request of ``msg``."""
    (request,) = channel.requests(msg)
    async with aiohttp.ClientSession() as session:
        return await channel.send(session, request, channel.timeout)


@pytest.fixture
def certs(tmp_path: Path) -> Any:
    """A CA and a server certificate for 127.0.0.1."""
    return make_server_cert(tmp_path / "pki", "smtp")


SEALED = alert(
    "VaultSealed",
    instance="vault-0:8200",
    summary="Vault <vault-0> is sealed & refuses requests",
)
SEALED_WITH_PROBE = Notification(
    labels=SEALED.labels,
    annotations={**SEALED.annotations, "watchdog_probe_error": "HTTP 503: Vault is sealed"},
    starts_at=SEALED.starts_at,
    ends_at=SEALED.ends_at,
    status="firing",
    generator_url=SEALED.generator_url,
    group="vault",
)


async def test_starttls_with_auth_delivers_a_readable_text_and_html_mail(certs: Any) -> None:
    """STARTTLS against the configured CA, AUTH with the password from its file; the mail has
    Alertmanager's subject, both parts, the probe error, and HTML-escaped alert text."""
    box = Mailbox()
    password_file = certs.ca_file.parent / "smtp-password"
    password_file.write_text(box.password + "\n")
    with smtp_server(box, starttls=certs.server_context(), auth=True) as port:
        channel = EmailChannel(
            "mail",
            receiver(
                port,
                auth_username="watchdog",
                auth_password_file=str(password_file),
                tls={"ca_file": str(certs.ca_file)},
            ),
        )
        attempt = await send(channel, message(SEALED_WITH_PROBE))
    assert attempt.ok, attempt.error
    assert box.logins == [("watchdog", box.password)]
    (mail,) = box.messages
    assert box.envelopes == [
        ("watchdog@bastion.example.org", ["oncall@example.org", "sec@example.org"])
    ]
    assert mail["Subject"] == "[FIRING:1] VaultSealed (vault-0:8200 critical)"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "[FIRING] VaultSealed" in text
    assert "Probe error: HTTP 503: Vault is sealed" in text
    assert REASON in text
    assert "Vault &lt;vault-0&gt; is sealed &amp; refuses requests" in html
    assert "<vault-0>" not in html


async def test_implicit_tls_on_its_own_port(certs: Any) -> None:
    """tls_mode: tls speaks TLS from the first byte (port 465 style)."""
    box = Mailbox()
    with smtp_server(box, implicit_tls=certs.server_context()) as port:
        channel = EmailChannel(
            "mail", receiver(port, tls_mode="tls", tls={"ca_file": str(certs.ca_file)})
        )
        attempt = await send(channel, message(SEALED))
    assert attempt.ok, attempt.error
    assert len(box.messages) == 1


async def test_a_server_without_starttls_is_refused_when_tls_is_required() -> None:
    """tls_mode: starttls never sends the mail (or the password) in clear text."""
    box = Mailbox()
    with smtp_server(box) as port:
        attempt = await send(EmailChannel("mail", receiver(port)), message(SEALED))
    assert not attempt.ok
    assert attempt.permanent
    assert "STARTTLS" in (attempt.error or "")
    assert box.messages == []


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("451 4.3.0 try again later", False), ("554 5.7.1 rejected by policy", True)],
    ids=["4xx", "5xx"],
)
async def test_smtp_replies_are_classified(certs: Any, reply: str, permanent: bool) -> None:
    """A 4xx reply is a retry; a 5xx one is logged as an error (and retried all the same)."""
    box = Mailbox(replies=[reply])
    with smtp_server(box, starttls=certs.server_context()) as port:
        channel = EmailChannel("mail", receiver(port, tls={"ca_file": str(certs.ca_file)}))
        attempt = await send(channel, message(SEALED))
    assert not attempt.ok
    assert attempt.status == int(reply[:3])
    assert attempt.permanent is permanent
    assert reply[4:] in (attempt.error or "")


async def test_wrong_password_fails_without_showing_it(certs: Any) -> None:
    """A refused login is an error that names the reply, never the password."""
    box = Mailbox()
    with smtp_server(box, starttls=certs.server_context(), auth=True) as port:
        channel = EmailChannel(
            "mail",
            receiver(
                port,
                auth_username="watchdog",
                auth_password="not-the-password",
                tls={"ca_file": str(certs.ca_file)},
            ),
        )
        attempt = await send(channel, message(SEALED))
    assert not attempt.ok and attempt.permanent
    assert attempt.status == 535
    assert "not-the-password" not in (attempt.error or "")


async def test_some_recipients_refused_still_delivers_to_the_others(certs: Any) -> None:
    """One refused recipient does not cost the others the page."""
    box = Mailbox(refuse_rcpt={"sec@example.org": "550 5.1.1 no such user"})
    with smtp_server(box, starttls=certs.server_context()) as port:
        channel = EmailChannel("mail", receiver(port, tls={"ca_file": str(certs.ca_file)}))
        attempt = await send(channel, message(SEALED))
    assert attempt.ok
    assert box.envelopes[0][1] == ["oncall@example.org"]


@pytest.mark.slow
async def test_server_down_then_4xx_then_5xx_then_up_delivers_every_alert(
    tmp_path: Path, certs: Any
) -> None:
    """Through the whole delivery chain: the SMTP server is down, then answers 451, then 554,
    then accepts: the alert arrives once and the outbox is empty."""
    box = Mailbox(replies=["451 4.3.0 busy", "554 5.7.1 not now"])
    port = free_port()
    alerting = {
        "emergency": [
            {
                "kind": "email",
                "name": "mail",
                "to": ["oncall@example.org"],
                "from": "watchdog@example.org",
                "smarthost": f"127.0.0.1:{port}",
                "tls": {"ca_file": str(certs.ca_file)},
                "timeout": "2s",
            }
        ],
        "backoff": FAST_BACKOFF,
    }
    async with delivery_stack(tmp_path / "state", alerting) as stack:
        await stack.chain.send("vault", [SEALED])
        await async_wait_for(
            until(lambda: _attempts(stack, "error") >= 1),
            message="a failed attempt while the server is down",
        )
        with smtp_server(box, starttls=certs.server_context(), port=port):
            await async_wait_for(until(lambda: box.messages), timeout=20, message="the mail")
            await async_wait_for(lambda: _empty(stack), message="outbox drained")
        outcomes = [e["outcome"] for e in await stack.journal("delivery")]
    assert len(box.messages) == 1
    assert {"error", "rejected", "success"} <= set(outcomes)
    assert outcomes[-1] == "success"


def _attempts(stack: Any, outcome: str) -> float:
    return float(stack.metric("watchdog_notifications_total", channel="mail", outcome=outcome))


async def _empty(stack: Any) -> bool:
    return bool(await stack.depth() == 0)


def test_config_refuses_half_an_auth_and_a_bad_smarthost() -> None:
    """auth_username without a password, or a smarthost without a port, is refused."""
    with pytest.raises(ValueError, match="go together"):
        receiver(25, auth_username="watchdog")
    with pytest.raises(ValueError, match="host:port"):
        EmailReceiver.model_validate(
            {"kind": "email", "to": ["a@b.c"], "from": "w@b.c", "smarthost": "mail.example"}
        )
