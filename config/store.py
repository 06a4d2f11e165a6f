"""The settings both entry points share: the data directory, the store, the keys and the trust list.

Sources, strongest first: what the entry point passes in (command-line options), CERTLEDGER_*
environment variables, `<home>/config.json` (written by `certledger init`), the defaults here.
`cli.settings` and `verify_api.settings` extend this class with what only they need.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Self

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.persistence import Store, cipher_env, persistence_env


class StoreSettings(BaseSettings):
    """Where the ledger lives and how to open it, as the eventsourcing library's environment."""

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
    lock_timeout: int = 10  # seconds a SQLite writer waits for another
    keys_dir: Path | None = None  # default: <home>/keys (the pinned root is <keys>/root.cert.pem)
    trust_list: Path | None = None  # default: <home>/trust-list.jws
    transparency_log: bool = True  # keep (and publish) the RFC 6962 log of every event
    checkpoint_history: Path | None = None  # default: <home>/checkpoints/history (outside the database)

    @property
    def config_file(self) -> Path:
        return self.home / "config.json"

    @property
    def sqlite_file(self) -> Path:
        return self.sqlite_path or self.home / "ledger.sqlite"

    @property
    def keys_path(self) -> Path:
        return self.keys_dir or self.home / "keys"

    @property
    def trust_list_path(self) -> Path:
        return self.trust_list or self.home / "trust-list.jws"

    @property
    def checkpoint_history_path(self) -> Path:
        """The append-only file of every signed checkpoint, kept outside the database."""
        return self.checkpoint_history or self.home / "checkpoints" / "history"

    @property
    def log_vkey_path(self) -> Path:
        """The log key's public half (`<name>+<hex id>+<base64>`): what verifies the checkpoints."""
        return self.keys_path / "log.vkey"

    @property
    def root_certificate_path(self) -> Path:
        return self.keys_path / "root.cert.pem"

    @property
    def records_path(self) -> Path:
        """The verification service's counts per document, minute and outcome (SQLite stores)."""
        return self.home / "verifications.sqlite"

    def with_file(self) -> Self:
        """Fill what the environment left unset from <home>/config.json (written by `certledger init`)."""
        try:
            saved = json.loads(self.config_file.read_text("utf-8"))
        except (OSError, ValueError):
            return self
        if not isinstance(saved, dict):
            return self
        unset = {k: v for k, v in saved.items() if k in type(self).model_fields and k not in self.model_fields_set}
        return self.model_copy(update=type(self)(**unset).model_dump(include=set(unset))) if unset else self

    def postgres(self) -> dict[str, str | int]:
        """The PostgreSQL connection settings (host, port, dbname, user, password, schema)."""
        return {"host": self.postgres_host, "port": self.postgres_port, "dbname": self.postgres_dbname,
                "user": self.postgres_user, "password": self.postgres_password.get_secret_value(),
                "schema": self.postgres_schema}

    def eventsourcing_env(self, create: bool = False) -> dict[str, str]:
        """The library's environment; only a store's creator (`certledger init`) creates tables."""
        env: dict[str, str] = {"CREATE_TABLE": "y" if create else "n"}
        env.update(persistence_env(self.store, self.sqlite_file, self.postgres(), self.lock_timeout))
        env.update(cipher_env(self.cipher_key.get_secret_value() if self.cipher_key is not None else None))
        return env
