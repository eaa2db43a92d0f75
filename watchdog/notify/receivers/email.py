"""Email over SMTP: one readable message (plain text and HTML) per delivery.

Like Alertmanager's ``email_configs``: ``smarthost`` (``host:port``), ``from``, ``to``,
``hello``, auth with ``auth_username`` and ``auth_password``/``auth_password_file`` (PLAIN or
LOGIN, whatever the server offers; only after TLS unless ``tls_mode: none``). ``tls_mode``:
``starttls`` (default; the server must offer STARTTLS, as Alertmanager's ``require_tls``),
``tls`` (implicit TLS, usually port 465) or ``none`` (a local relay on loopback). The
certificate is checked against ``tls`` (``ca_file``, ``server_name``, client certificate).

The subject follows Alertmanager's default (``[FIRING:2] VaultSealed …``); the body lists
every alert of every group: status, summary and description, the probe's error and facts
about its target, labels, since when, and where it came from, and says it came via the
fallback path and why. Everything from alerts is escaped in the HTML part.

Failures: connection trouble, timeouts and ``4xx`` replies are retried; ``5xx`` replies
(authentication refused, recipient rejected) are logged as errors and retried at the same
pace, like an HTTP ``4xx``. A message some recipients refused is delivered to the others
(logged); one that every recipient refused is not.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from watchdog.config.httpclient import cached_ssl_context
from watchdog.config.types import Secret, SecretFile, pick_secret
from watchdog.logs import get_logger
from watchdog.notify.http import Attempt
from watchdog.notify.receivers.base import Message, ReceiverConfig, ReceiverKind, Request
from watchdog.notify.receivers.emailbody import html_body, subject, text_body
from watchdog.redact import redact

if TYPE_CHECKING:
    import aiohttp

__all__ = ["KIND", "EmailChannel", "EmailReceiver", "build_message"]


class EmailReceiver(ReceiverConfig):
    """SMTP email, in the shape of Alertmanager's ``email_configs``."""

    kind: Literal["email"]
    to: list[str] = Field(min_length=1)
    sender: str = Field(alias="from", min_length=3)
    smarthost: str
    hello: str = "localhost"
    auth_username: str | None = None
    auth_password: Secret | None = None
    auth_password_file: SecretFile | None = None
    tls_mode: Literal["starttls", "tls", "none"] = "starttls"

    @field_validator("to", mode="before")
    @classmethod
    def _split_to(cls, value: object) -> object:
        return [part.strip() for part in value.split(",")] if isinstance(value, str) else value

    @field_validator("smarthost")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("smarthost must be host:port, e.g. smtp.example.org:587")
        return value

    @model_validator(mode="after")
    def _check(self) -> EmailReceiver:
        pick_secret(self.auth_password, self.auth_password_file, "auth_password", required=False)
        has_password = self.auth_password is not None or self.auth_password_file is not None
        if has_password != (self.auth_username is not None):
            raise ValueError("auth_username and auth_password go together")
        if self.tls is not None and self.tls.server_name:
            raise ValueError(
                "tls.server_name is not supported for email: name the smarthost as its"
                " certificate does"
            )
        return self

    def target(self) -> str:
        """The SMTP server (not a secret)."""
        return f"smtp://{self.smarthost}"

    def shown_target(self) -> str:
        """The SMTP server as shown in drills and reports."""
        return self.target()

    def address(self) -> tuple[str, int]:
        """Host and port of the smarthost."""
        host, _, port = self.smarthost.rpartition(":")
        return host.strip("[]"), int(port)

    def password(self) -> str | None:
        """The SMTP password (a secret)."""
        chosen = self.auth_password or self.auth_password_file
        return chosen.get_secret_value() if chosen is not None else None


def build_message(config: EmailReceiver, message: Message) -> EmailMessage:
    """The email for one delivery: headers, a plain-text part and an HTML part."""
    mail = EmailMessage()
    mail["Subject"] = subject(message)
    mail["From"] = config.sender
    mail["To"] = ", ".join(config.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=config.hello)
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Watchdog-Receiver"] = message.receiver
    mail.set_content(text_body(message))
    mail.add_alternative(html_body(message), subtype="html")
    return mail


@dataclass
class EmailChannel:
    """A configured SMTP receiver (implements ``EmergencyChannel``)."""

    name: str
    config: EmailReceiver
    kind: str = "email"

    def __post_init__(self) -> None:
        self.send_resolved = self.config.send_resolved
        self.timeout = self.config.timeout
        self._context: ssl.SSLContext | None = (
            cached_ssl_context(self.config.tls) if self.config.tls_mode != "none" else None
        )

    def requests(self, message: Message) -> list[Request]:
        """One email per delivery, listing every alert."""
        return [Request(None, message.alerts, build_message(self.config, message))]

    async def send(
        self, session: aiohttp.ClientSession, request: Request, time_limit: float
    ) -> Attempt:
        """Send over SMTP in a worker thread, bounded by ``time_limit``."""
        del session  # SMTP does not use the HTTP session
        assert isinstance(request.payload, EmailMessage)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(time_limit + 1.0):
                attempt = await asyncio.to_thread(
                    self._deliver, request.payload, time_limit, started
                )
        except TimeoutError:
            latency = time.perf_counter() - started
            return Attempt(False, latency, error=f"no answer within {time_limit:g}s")
        return attempt

    def _deliver(self, mail: EmailMessage, time_limit: float, started: float) -> Attempt:
        def done(ok: bool, **fields: object) -> Attempt:
            return Attempt(ok, time.perf_counter() - started, **fields)  # type: ignore[arg-type]

        host, port = self.config.address()
        try:
            with self._connect(host, port, time_limit) as smtp:
                refused = smtp.send_message(mail, self.config.sender, self.config.to)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return done(
                False,
                status=codes[0] if codes else None,
                error=f"every recipient refused: {_replies(exc.recipients)}",
                permanent=all(code >= 500 for code in codes),
            )
        except smtplib.SMTPResponseException as exc:
            reply = exc.smtp_error
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
            return done(
                False,
                status=exc.smtp_code,
                error=redact(f"SMTP {exc.smtp_code}: {text.strip()[:200]}"),
                permanent=exc.smtp_code >= 500,
            )
        except smtplib.SMTPNotSupportedError as exc:
            return done(False, error=f"SMTP: {exc}", permanent=True)
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            return done(False, error=redact(f"SMTP: {type(exc).__name__}: {exc}"[:300]))
        if refused:
            get_logger("notify.emergency").warning(
                "email accepted for some recipients only",
                receiver=self.name,
                refused=_replies(refused),
            )
        return done(True, status=250)

    def _connect(self, host: str, port: int, time_limit: float) -> smtplib.SMTP:
        mode = self.config.tls_mode
        if mode == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host,
                port,
                local_hostname=self.config.hello,
                timeout=time_limit,
                context=self._context,
            )
        else:
            smtp = smtplib.SMTP(host, port, local_hostname=self.config.hello, timeout=time_limit)
        try:
            smtp.ehlo()
            if mode == "starttls":
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "the server does not offer STARTTLS (tls_mode: starttls requires it)"
                    )
                smtp.starttls(context=self._context)
                smtp.ehlo()
            if self.config.auth_username is not None:
                _login(smtp, self.config.auth_username, self.config.password() or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH attempt, PLAIN if offered, else LOGIN (smtplib's ``login`` would try every
    mechanism in turn: several failed logins can lock an account)."""
    offered = (smtp.esmtp_features.get("auth") or "").upper().split()
    mechanism = "PLAIN" if "PLAIN" in offered else "LOGIN" if "LOGIN" in offered else None
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError(
            f"the server offers no AUTH mechanism this client speaks (offers: {offered or 'none'})"
        )
    smtp.user, smtp.password = user, password
    method = smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login
    smtp.auth(mechanism, method, initial_response_ok=True)


def _replies(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{rcpt}: {code} {reply.decode(errors='replace').strip()[:100]}"
        for rcpt, (code, reply) in sorted(refused.items())
    )


KIND = ReceiverKind(
    name="email",
    config=EmailReceiver,
    channel=EmailChannel,
    summary="SMTP email (STARTTLS or implicit TLS, auth): plain text and HTML",
)
