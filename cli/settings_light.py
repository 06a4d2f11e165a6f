"""The plain case of the command's settings without pydantic: what `show`, `where` and `history` read (cli.quick).

The same sources in the same order as cli.settings.Settings (options, CERTLEDGER_* variables of any case, then
`<home>/config.json` for what those left unset, then the defaults), for the store's fields only, and only when
every value there is one this reader takes exactly as pydantic would (a non-empty text for a text or path field, a
canonical number or yes/no): anything else — and every other attribute — is the full Settings' (built on first
use from the same sources), so a bad value fails exactly as it does on the typer path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_PATHS = ("home", "sqlite_path", "blobs_dir")
_TEXTS = ("postgres_host", "postgres_dbname", "postgres_user", "postgres_password", "postgres_schema", "cipher_key")
_INTS = ("postgres_port", "lock_timeout")
_BOOLS = {"transparency_log": {"1": True, "true": True, "yes": True, "on": True, "t": True, "y": True,
                               "0": False, "false": False, "no": False, "off": False, "f": False, "n": False}}
_DEFAULTS: dict[str, Any] = {"home": Path(".certledger"), "store": "sqlite", "sqlite_path": None, "blobs_dir": None,
                             "postgres_host": "127.0.0.1", "postgres_port": 5432, "postgres_dbname": "certledger",
                             "postgres_user": "certledger", "postgres_password": "", "postgres_schema": "",
                             "cipher_key": None, "lock_timeout": 10, "transparency_log": True}


class NotPlain(Exception):
    """A value this reader does not take as pydantic would: the full Settings reads it."""


def _value(field: str, raw: Any) -> Any:
    if field == "store" and raw in ("sqlite", "postgres", "memory"):
        return raw
    if isinstance(raw, str) and raw and (field in _PATHS or field in _TEXTS):
        return Path(raw) if field in _PATHS else raw
    if field in _INTS and isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return int(raw)
    if field in _INTS and type(raw) is int:
        return raw
    if field in _BOOLS and isinstance(raw, str) and raw.lower() in _BOOLS[field]:
        return _BOOLS[field][raw.lower()]
    if field in _BOOLS and type(raw) is bool:
        return raw
    raise NotPlain(field)


def _environment(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, raw in environ.items():
        key = name.lower()
        if key.startswith("certledger_") and key[11:] in _DEFAULTS:
            if key[11:] in found:
                raise NotPlain(name)  # the same variable in two cases: which one pydantic takes is its own affair
            found[key[11:]] = _value(key[11:], raw)
    return found


class LightSettings:
    """The store's settings read without pydantic; any other attribute is the full Settings'."""

    def __init__(self, overrides: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
        self._overrides = dict(overrides)
        self._full: Any = None
        given = _environment(os.environ if environ is None else environ)
        if overrides.get("home"):
            given["home"] = Path(overrides["home"])
        values = {**_DEFAULTS, **given}
        values.update(self._from_file(Path(values["home"]) / "config.json", set(given) | set(overrides)))
        self._values = values

    @staticmethod
    def _from_file(path: Path, given: set[str]) -> dict[str, Any]:
        try:
            saved = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(saved, dict):
            return {}
        return {k: _value(k, v) for k, v in saved.items() if k in _DEFAULTS and k not in given}

    def full(self) -> Any:
        if self._full is None:
            from cli.settings import Settings

            self._full = Settings(**self._overrides).with_file()
        return self._full

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)

    # ---- what the quick commands read
    @property
    def home(self) -> Path:
        return self._values["home"]  # type: ignore[no-any-return]

    @property
    def store(self) -> str:
        return self._values["store"]  # type: ignore[no-any-return]

    @property
    def transparency_log(self) -> bool:
        return self._values["transparency_log"]  # type: ignore[no-any-return]

    @property
    def sqlite_file(self) -> Path:
        return self._values["sqlite_path"] or self.home / "ledger.sqlite"  # type: ignore[no-any-return]

    @property
    def blobs_path(self) -> Path:
        return self._values["blobs_dir"] or self.home / "blobs"  # type: ignore[no-any-return]

    @property
    def records_path(self) -> Path:
        return self.home / "verifications.sqlite"

    def postgres(self) -> dict[str, str | int]:
        v = self._values
        return {"host": v["postgres_host"], "port": v["postgres_port"], "dbname": v["postgres_dbname"],
                "user": v["postgres_user"], "password": v["postgres_password"], "schema": v["postgres_schema"]}

    def eventsourcing_env(self, create: bool = False) -> dict[str, str]:
        """The library's environment, as config.store.StoreSettings.eventsourcing_env makes it."""
        from config.persistence import cipher_env, persistence_env

        env: dict[str, str] = {"CREATE_TABLE": "y" if create else "n"}
        env.update(persistence_env(self.store, self.sqlite_file, self.postgres(),  # type: ignore[arg-type]
                                   self._values["lock_timeout"]))
        env.update(cipher_env(self._values["cipher_key"]))
        return env
