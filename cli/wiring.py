"""The composition root: settings -> event store, attachment store, actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli import output
from cli.settings import Settings

if TYPE_CHECKING:
    from ledger.application import Actor, CertLedger


def settings() -> Settings:
    return output.settings()


def actor() -> Actor:
    from ledger.application import Actor
    from ledger.errors import InvalidInput

    s = settings()
    if not s.office:
        raise InvalidInput("office", "no acting office: run certledger init, or set --office / CERTLEDGER_OFFICE")
    if not s.operator:
        raise InvalidInput("operator", "no operator: run certledger init, or set --operator / CERTLEDGER_OPERATOR")
    return Actor(s.operator, s.office)


def open_ledger(create: bool = False) -> CertLedger:
    """Open the configured store. Only `init` creates tables: the library's CREATE statements
    race when several processes open a PostgreSQL store at once ("tuple concurrently updated")."""
    from ledger.application import CertLedger
    from ledger.blobs import BlobStore
    from ledger.errors import NotFound

    s = settings()
    if s.store == "sqlite":
        db = s.sqlite_path or s.home / "ledger.sqlite"
        if not db.parent.is_dir():
            raise NotFound(f"no ledger at {s.home}: run certledger init --office CODE --operator NAME")
    env = {**s.eventsourcing_env(), "CREATE_TABLE": "y" if create else "n"}
    return CertLedger(env=env, blobs=BlobStore(s.blobs_dir or s.home / "blobs"))
