"""The eventsourcing library's environment for a store, without pydantic: config.store's settings and the quick
commands' plain settings reader (cli.settings_light) both make it here."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

Store = Literal["sqlite", "postgres", "memory"]


def cipher_env(cipher_key: str | None) -> dict[str, str]:
    """Personal data encrypted at rest when a key is configured (an empty one is none)."""
    if not cipher_key:
        return {}
    return {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": cipher_key,
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}


def persistence_env(store: Store, sqlite_file: Path, postgres: dict[str, Any], lock_timeout: int) -> dict[str, str]:
    if store == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if store == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(sqlite_file),
                "SQLITE_LOCK_TIMEOUT": str(lock_timeout)}
    env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_HOST": str(postgres["host"]),
           "POSTGRES_PORT": str(postgres["port"]), "POSTGRES_DBNAME": str(postgres["dbname"]),
           "POSTGRES_USER": str(postgres["user"]), "POSTGRES_PASSWORD": str(postgres["password"]),
           "POSTGRES_LOCK_TIMEOUT": str(lock_timeout)}
    if postgres.get("schema"):
        env["POSTGRES_SCHEMA"] = str(postgres["schema"])
    return env
