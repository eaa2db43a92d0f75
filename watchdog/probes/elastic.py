"""What every Elasticsearch/OpenSearch endpoint shares (the ``elasticsearch`` kind and the log
canary's backends): API-key credentials, and precise errors from its error bodies."""

from __future__ import annotations

import json

from pydantic import model_validator

from watchdog.config.types import Secret, SecretFile, pick_secret
from watchdog.probes.answers import reason_text
from watchdog.probes.httpclient import HttpResponse
from watchdog.probes.httptarget import HttpEndpoint

__all__ = ["ApiKeyEndpoint", "describe_es_error"]


def describe_es_error(response: HttpResponse) -> str:
    """``type: reason`` from an Elasticsearch/OpenSearch error body, else the body's first text."""
    detail = reason_text(response.body)
    try:
        body = json.loads(response.body)
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and ("type" in error or "reason" in error):
            detail = reason_text(f"{error.get('type', 'error')}: {error.get('reason', '')}")
        elif isinstance(error, str):
            detail = reason_text(error)
    if response.status == 401:
        return f"authentication failed (HTTP 401): {detail}"
    if response.status == 403:
        return f"not authorized (HTTP 403): {detail}"
    return f"HTTP {response.status}: {detail}"


class ApiKeyEndpoint(HttpEndpoint):
    """An Elasticsearch/OpenSearch endpoint: the usual credentials, or an API key."""

    api_key: Secret | None = None
    api_key_file: SecretFile | None = None
    """File holding the API key's base64 ``encoded`` form, sent as ``Authorization: ApiKey``."""

    @model_validator(mode="after")
    def _one_credential(self) -> ApiKeyEndpoint:
        key = pick_secret(self.api_key, self.api_key_file, "api_key", required=False)
        others = self.basic_auth is not None or (self.bearer_token or self.bearer_token_file)
        if key is not None and others:
            raise ValueError("set only one of api_key, basic_auth or bearer_token")
        return self

    def request_headers(self) -> dict[str, str]:
        """Configured headers plus the bearer token or API key."""
        headers = super().request_headers()
        key = self.api_key or self.api_key_file
        if key is not None:
            headers["Authorization"] = f"ApiKey {key.get_secret_value()}"
        return headers
