"""The service's configuration: the same CERTLEDGER_* variables and `<home>/config.json` as the command.

verify_api does not import cli (nothing imports cli or verify_api), so the few store
settings both need are read here again; the names and defaults are the command's.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.storage import Store, eventsourcing_env


class ServiceSettings(BaseSettings):
    """What the verification service needs: the store, the trust list, limits and switches."""

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
    cipher_key: SecretStr | None = None
    lock_timeout: int = 10
    keys_dir: Path | None = None  # the pinned root is <keys>/root.cert.pem
    trust_list: Path | None = None  # default: <home>/trust-list.jws
    trust_reload_seconds: float = 1.0  # how often a worker looks at the trust list file's mtime

    # The service's own settings.
    verify_records: bool = True  # a count per document, minute and outcome; "off" stops it
    max_upload_bytes: int = 5 * 1024 * 1024
    lookup_per_minute: int = 10  # number + name lookups per client
    pdf_per_minute: int = 60  # PDF uploads per client (each costs ~25 ms of CPU)
    pdf_concurrency: int = 2  # PDF checks running at once per process
    trusted_proxies: str = ""  # addresses/networks whose X-Forwarded-For names the client (verify_api/clients.py)
    header_timeout: float = 10.0  # seconds a request's line and headers may take (verify_api/protocol.py)
    body_timeout: float = 60.0  # seconds a request's whole body may take
    max_header_bytes: int = 16384  # request line and headers together
    max_headers: int = 64  # header lines per request
    hsts: bool = False  # send Strict-Transport-Security: only behind https
    access_log: bool = False  # "on": a line per request (method, path cut short, status, time; no query string)
    debug: bool = False  # log tracebacks of internal errors (their messages may hold request data)
    cache_size: int = 4096  # documents, and tokens whose signature held, kept in memory (0: none): verify_api/views.py
    cache_check_seconds: float = 0.01  # at most this long between asking SQLite whether anything was committed
    transparency_log: bool = True  # publish the log's checkpoints and proofs, and add inclusion to each answer
    log_reload_seconds: float = 1.0  # how often a worker looks for a newer signed checkpoint

    @property
    def config_file(self) -> Path:
        return self.home / "config.json"

    @property
    def sqlite_file(self) -> Path:
        return self.sqlite_path or self.home / "ledger.sqlite"

    @property
    def trust_list_path(self) -> Path:
        return self.trust_list or self.home / "trust-list.jws"

    @property
    def root_certificate_path(self) -> Path:
        return (self.keys_dir or self.home / "keys") / "root.cert.pem"

    @property
    def records_path(self) -> Path:
        return self.home / "verifications.sqlite"

    def with_file(self) -> ServiceSettings:
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
        return {"host": self.postgres_host, "port": self.postgres_port, "dbname": self.postgres_dbname,
                "user": self.postgres_user, "password": self.postgres_password.get_secret_value(),
                "schema": self.postgres_schema}

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's settings for a reader: no table creation, an aggregate cache that fast-forwards."""
        env = eventsourcing_env(self.store, sqlite_file=self.sqlite_file, postgres=self.postgres(),
                                cipher_key=self.cipher_key.get_secret_value() if self.cipher_key else None,
                                lock_timeout=self.lock_timeout, create=False)
        if self.cache_size > 0:
            # A cached document is fast-forwarded with the events stored since (one small query), so a
            # revocation written by the command or another worker shows on the next read. The service
            # never changes an aggregate, so the library need not deep-copy it for each read.
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.cache_size)
            env["DEEPCOPY_FROM_AGGREGATE_CACHE"] = "n"
        return env
