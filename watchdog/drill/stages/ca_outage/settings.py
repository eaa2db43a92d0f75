"""Settings of the ``ca-outage`` stage (``drill.ca_outage``)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from watchdog.config.tls import TLSConfig
from watchdog.config.types import Duration, HttpUrl, Model
from watchdog.drill.settings import CommandConfig
from watchdog.promql.errors import PromQLError
from watchdog.promql.query import Query

__all__ = ["CaOutageSettings", "OutageTargets", "RenewalCondition"]


class RenewalCondition(Model):
    """When renewal counts as recovered, one of:

    * ``query``: a PromQL expression over one probe of the ``targets`` (jobs, e.g. a
      cert-manager ``scrape`` target) that returns at least one sample, every one non-zero —
      ``certmanager_certificate_ready_status{condition="True"} == bool 1`` (every Certificate
      Ready) or ``min(…)``; an empty result is not recovery (cert-manager exposes nothing
      when it has no Certificate);
    * ``certificate``: the job of a ``tls`` or ``certfile`` target whose latest notAfter must
      move forward past what it was during the outage (a certificate was re-issued).
    """

    query: str | None = None
    targets: list[str] = Field(default_factory=list)
    certificate: str | None = None

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                query = Query.parse(value)
            except PromQLError as exc:
                raise ValueError(f"query: {exc}") from None
            if query.value_type not in ("vector", "scalar"):
                raise ValueError("query must return an instant vector or a scalar")
        return value

    @model_validator(mode="after")
    def _one(self) -> RenewalCondition:
        if (self.query is None) == (self.certificate is None):
            raise ValueError("set exactly one of query (with targets) or certificate")
        if self.query is not None and not self.targets:
            raise ValueError("query needs targets: the jobs to probe for its series")
        return self


class OutageTargets(Model):
    """``renewal``: after the start command, renewal must recover within this."""

    renewal: Duration = 600.0

    @field_validator("renewal")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("renewal must be positive")
        return value


class CaOutageSettings(Model):
    """Take the CA away; certificates must stay valid; renewal must recover when it returns."""

    stop: CommandConfig | None = None
    """Stops the CA (its pods, the issuer). Without it the CA is expected to be down already
    (``ca_url`` must then be set, and must not answer)."""
    start: CommandConfig | None = None
    """Starts it again; always run, even when the stage fails or the drill is interrupted."""
    ca_url: HttpUrl | None = None
    """A URL of the CA that answers 2xx when it is up: checked down during the outage and up
    after the start command."""
    ca_tls: TLSConfig | None = None
    certificates: list[str] = Field(default_factory=list)
    """Jobs of ``tls``, ``certfile`` and ``crl`` targets to check; default: every one."""
    margin: Duration = 86400.0
    """Every certificate (and CRL) must stay valid at least this much longer at each check."""
    outage: Duration = 60.0
    """How long the CA stays away while the certificates are checked."""
    interval: Duration = 10.0
    """Checks during the outage and of the renewal condition, this often."""
    renewal: RenewalCondition
    targets: OutageTargets = Field(default_factory=OutageTargets)
    timeout: Duration = 10.0
    """Each check of the CA URL at most this long."""

    @model_validator(mode="after")
    def _check(self) -> CaOutageSettings:
        if (self.stop is None) != (self.start is None):
            raise ValueError("set both stop and start, or neither (a CA that is already down)")
        if self.stop is None and self.ca_url is None:
            raise ValueError("without stop/start, ca_url must name the CA that is down")
        if self.outage < 0 or self.interval <= 0 or self.margin < 0 or self.timeout <= 0:
            raise ValueError("outage and margin must not be negative; interval, timeout positive")
        return self
