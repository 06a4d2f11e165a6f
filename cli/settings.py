"""Configuration, read once at the edge and passed in.

Sources, strongest first: command-line options, CERTLEDGER_* environment variables,
`<home>/config.json` (written by `certledger init`), defaults. The ledger never reads
the environment itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.storage import Store, eventsourcing_env


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CERTLEDGER_", extra="ignore")

    home: Path = Path(".certledger")
    store: Store = "sqlite"
    sqlite_path: Path | None = None  # default: <home>/ledger.sqlite
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_dbname: str = "certledger"
    postgres_user: str = "certledger"
    postgres_password: SecretStr = SecretStr("")
    postgres_schema: str = ""
    cipher_key: SecretStr | None = None  # base64 AES key: personal data encrypted at rest
    blobs_dir: Path | None = None  # default: <home>/blobs
    office: str | None = None
    operator: str | None = None
    lock_timeout: int = 10  # seconds a SQLite writer waits for another
    keys_dir: Path | None = None  # default: <home>/keys (private keys encrypted, mode 0600)
    key_passphrase: SecretStr | None = None  # the office key's; prompted for when unset at a terminal
    root_passphrase: SecretStr | None = None  # the deployment root's
    key_years: int = 2  # an office key's signing window
    root_name: str = "certledger deployment root"
    verify_base_url: str = "https://verify.certledger.example"  # what QR codes point to
    tsa_url: str | None = None  # an RFC 3161 timestamp authority: PAdES B-T instead of B-B
    trust_list: Path | None = None  # default: <home>/trust-list.jws
    transparency_log: bool = True  # keep the RFC 6962 log of every event (audit verify, checkpoints)

    @property
    def config_file(self) -> Path:
        return self.home / "config.json"

    @property
    def keys_path(self) -> Path:
        return self.keys_dir or self.home / "keys"

    @property
    def trust_list_path(self) -> Path:
        return self.trust_list or self.home / "trust-list.jws"

    def with_file(self) -> Settings:
        """Fill what the environment left unset from <home>/config.json."""
        try:
            saved = json.loads(self.config_file.read_text("utf-8"))
        except (OSError, ValueError):
            return self
        unset = {k: v for k, v in saved.items() if k in type(self).model_fields and k not in self.model_fields_set}
        return self.model_copy(update=type(self)(**unset).model_dump(include=set(unset))) if unset else self

    @property
    def sqlite_file(self) -> Path:
        return self.sqlite_path or self.home / "ledger.sqlite"

    def postgres(self) -> dict[str, str | int]:
        """The PostgreSQL connection settings, as ledger.storage and the service's records take them."""
        return {"host": self.postgres_host, "port": self.postgres_port, "dbname": self.postgres_dbname,
                "user": self.postgres_user, "password": self.postgres_password.get_secret_value(),
                "schema": self.postgres_schema}

    def eventsourcing_env(self, create: bool) -> dict[str, str]:
        return eventsourcing_env(self.store, sqlite_file=self.sqlite_file, postgres=self.postgres(),
                                 cipher_key=self.cipher_key.get_secret_value() if self.cipher_key else None,
                                 lock_timeout=self.lock_timeout, create=create)


@cache
def get_settings() -> Settings:
    return Settings().with_file()
