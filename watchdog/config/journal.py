"""The ``journal`` section: the optional HMAC key that seals entries, and how often to check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, model_validator

from watchdog.config.errors import KeyedError
from watchdog.config.types import Duration, Model, Secret, SecretFile, pick_secret

if TYPE_CHECKING:
    from watchdog.journal.keys import JournalKeys

# watchdog.journal is imported where it is needed: the package brings the journal's writer,
# metrics and logging with it, which loading a config does not need.

__all__ = ["MIN_KEY_LENGTH", "JournalConfig"]

MIN_KEY_LENGTH = 16
"""Characters a journal key must have (``openssl rand -hex 32`` gives 64)."""


class JournalConfig(Model):
    """Journal settings. Without a key the chain is plain SHA-256 (tamper-evident to anyone
    who cannot rewrite the file); with one, entries are sealed with HMAC-SHA256."""

    hmac_key: Secret | None = None
    hmac_key_file: SecretFile | None = None
    retired_key_files: list[SecretFile] = Field(default_factory=list)
    verify_interval: Duration = 60.0

    @model_validator(mode="after")
    def _check(self) -> JournalConfig:
        pick_secret(self.hmac_key, self.hmac_key_file, "hmac_key", required=False)
        for name, key in self._named_keys():
            if len(key.get_secret_value()) < MIN_KEY_LENGTH:
                raise ValueError(
                    f"{name}: a journal key needs at least {MIN_KEY_LENGTH} characters"
                    " (e.g. `openssl rand -hex 32`)"
                )
        if self.retired_key_files and self.hmac_key is None and self.hmac_key_file is None:
            raise ValueError("retired_key_files need a current key (hmac_key or hmac_key_file)")
        if self.verify_interval <= 0:
            raise KeyedError("verify_interval must be positive", "verify_interval")
        return self

    def _named_keys(self) -> list[tuple[str, SecretStr]]:
        current = self.hmac_key or self.hmac_key_file
        named = [("hmac_key", current)] if current is not None else []
        named += [(f"retired_key_files[{i}]", key) for i, key in enumerate(self.retired_key_files)]
        return named

    def keys(self) -> JournalKeys:
        """The current key (if any) and the retired ones."""
        from watchdog.journal.keys import JournalKeys

        current = self.hmac_key or self.hmac_key_file
        return JournalKeys.of(
            current.get_secret_value() if current is not None else None,
            [key.get_secret_value() for key in self.retired_key_files],
        )
