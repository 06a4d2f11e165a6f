"""The composition root: settings -> event store, attachment store, actor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cli import output
from cli.settings import Settings

if TYPE_CHECKING:
    from keys.store import KeyStore
    from keys.trustlist import TrustList
    from ledger.application import Actor, CertLedger
    from signing.pipeline import SignerKey


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
    if s.store == "sqlite" and not s.sqlite_file.parent.is_dir():
        raise NotFound(f"no ledger at {s.home}: run certledger init --office CODE --operator NAME")
    secure_data_dir()
    return CertLedger(env=s.eventsourcing_env(create), blobs=BlobStore(s.blobs_path),
                      transparency_log=s.transparency_log)


def secure_data_dir() -> None:
    """The home, the SQLite files beside it and the attachment store: owner-only (config.datadir), each
    change said on stderr."""
    import sys

    from config.datadir import sqlite_files, tighten

    s = settings()
    paths = [s.home, s.blobs_path, *sqlite_files(s.records_path), *sqlite_files(s.home / "ratelimits.sqlite")]
    if s.store == "sqlite":
        paths[1:1] = [s.sqlite_file.parent, *sqlite_files(s.sqlite_file)]
    for line in tighten(dict.fromkeys(paths)):
        print(f"warning: {line}", file=sys.stderr)


def key_store() -> KeyStore:
    from keys.store import KeyStore

    return KeyStore(settings().keys_path, kdf_cost=settings().key_kdf_cost)


def passphrase(which: str) -> str:
    """The office key's, the root's or the publisher's passphrase: from the environment, else asked at a terminal."""
    import sys

    from ledger.errors import InvalidInput

    s = settings()
    secret = {"key": s.key_passphrase, "root": s.root_passphrase, "publisher": s.publisher_passphrase}[which]
    if secret is not None and secret.get_secret_value():
        return secret.get_secret_value()
    variable = f"CERTLEDGER_{which.upper()}_PASSPHRASE"
    if not sys.stdin.isatty():
        raise InvalidInput(variable, f"required: the {which} passphrase (set it, or run at a terminal to be asked)")
    import typer

    return str(typer.prompt(f"{which} passphrase", hide_input=True))


def signer_key(kid: str, office: str) -> SignerKey:
    """The office's key `kid`, decrypted once into the object the token and PDF signers use."""
    from ledger.reference import authority
    from signing.pipeline import SignerKey

    return SignerKey.of(key_store().load_signer(kid, passphrase("key")), authority(office).office)


def trust_list(path: Path | None = None, root: Path | None = None) -> TrustList:
    from keys.trustlist import load_trust_list
    from ledger.errors import NotFound

    s = settings()
    list_path = path or s.trust_list_path
    root_path = root or s.keys_path / "root.cert.pem"
    for p, what in ((list_path, "trust list"), (root_path, "root certificate")):
        if not p.is_file():
            raise NotFound(f"no {what} at {p}: run certledger keys init (or pass it)")
    return load_trust_list(list_path.read_bytes(), root_path.read_bytes())
