"""Load a web config file: every problem as ``file:line: key: reason``, certificates loaded."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from watchdog.config.errors import ConfigError, ConfigIssue
from watchdog.config.validation import issues_from_validation
from watchdog.config.yamlsource import load_yaml
from watchdog.webconfig.model import WebConfig
from watchdog.webconfig.tlsctx import server_context

__all__ = ["LoadedWebConfig", "load_web_config"]


@dataclass(frozen=True)
class LoadedWebConfig:
    """A usable web config: the TLS context (if any), the users, the response headers."""

    source: Path
    model: WebConfig
    ssl_context: ssl.SSLContext | None = field(compare=False)
    allowed_sans: frozenset[str]
    users: dict[str, bytes] = field(repr=False)
    """User name -> bcrypt hash."""
    headers: dict[str, str]

    @property
    def tls(self) -> bool:
        """True when connections must be TLS."""
        return self.ssl_context is not None

    @property
    def client_auth(self) -> str:
        """The ``client_auth_type`` in force (``NoClientCert`` without TLS)."""
        tls = self.model.tls_server_config
        return tls.client_auth_type if tls is not None else "NoClientCert"


def load_web_config(path: Path) -> LoadedWebConfig:
    """Read, validate and load ``path`` (certificates included); ``ConfigError`` if unusable.

    Like exporter-toolkit, no environment variables are expanded (bcrypt hashes hold ``$``),
    relative paths are relative to the web config file, and an empty file means plain HTTP
    without authentication.
    """
    path = Path(path).absolute()
    doc = load_yaml(path)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError.single(path, "the web config must be a mapping", 1)
    try:
        model = WebConfig.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(exc, doc, WebConfig, data)) from None
    context: ssl.SSLContext | None = None
    tls = model.tls_server_config
    if tls is not None:
        try:
            context = server_context(tls)
        except (ssl.SSLError, OSError, ValueError) as exc:
            where = ("tls_server_config", "cert_file" if tls.cert_file else "cert")
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
            raise ConfigError(
                [
                    ConfigIssue(
                        path,
                        doc.line_of(where),
                        where,
                        f"cannot use the certificate, key or client CA: {reason}",
                    )
                ]
            ) from None
    return LoadedWebConfig(
        source=path,
        model=model,
        ssl_context=context,
        allowed_sans=frozenset(tls.client_allowed_sans) if tls is not None else frozenset(),
        users={u: h.get_secret_value().encode() for u, h in model.basic_auth_users.items()},
        headers=dict(model.http_server_config.headers),
    )
