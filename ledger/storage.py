"""Where the events live: the eventsourcing library's settings for a configured store.

The command and the verification service read the same CERTLEDGER_* settings (each at its
own edge); both turn them into the library's environment here, so the mapping is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

Store = Literal["sqlite", "postgres", "memory"]


def eventsourcing_env(store: Store, *, sqlite_file: Path, postgres: Mapping[str, str | int],
                      cipher_key: str | None, lock_timeout: int, create: bool) -> dict[str, str]:
    """The library's environment. `postgres` holds host, port, dbname, user, password and schema
    (an empty schema: the server's default); `cipher_key` encrypts personal data at rest."""
    env: dict[str, str] = {"CREATE_TABLE": "y" if create else "n"}
    if store == "memory":
        env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    elif store == "sqlite":
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        env["SQLITE_DBNAME"] = str(sqlite_file)
        env["SQLITE_LOCK_TIMEOUT"] = str(lock_timeout)
    else:
        env.update({
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": str(postgres["host"]), "POSTGRES_PORT": str(postgres["port"]),
            "POSTGRES_DBNAME": str(postgres["dbname"]), "POSTGRES_USER": str(postgres["user"]),
            "POSTGRES_PASSWORD": str(postgres["password"]), "POSTGRES_LOCK_TIMEOUT": str(lock_timeout),
        })
        if postgres.get("schema"):
            env["POSTGRES_SCHEMA"] = str(postgres["schema"])
    if cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = cipher_key
        env["COMPRESSOR_TOPIC"] = "eventsourcing.compressor:ZlibCompressor"
    return env
