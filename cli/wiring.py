"""The composition root: settings -> event store, attachment store, actor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli import output

if TYPE_CHECKING:
    from cli.settings import Settings
    from keys.store import KeyStore
    from keys.trustlist import TrustList
    from ledger.application import Actor, CertLedger
    from signing.pipeline import SignerKey


def settings() -> Settings:
    return output.settings()


_acting: dict[str, Any] = {"credential": None, "ledgers": []}


def actor() -> Actor:
    """Who acts: the operator and office of the credential the user holds and unlocks (`--office` and
    `--operator` only choose among the held ones). Every ledger this command opens signs its saves with it."""
    from cli.credentials import load_acting
    from ledger.application import Actor

    credential = _acting["credential"]
    if credential is None:
        credential = load_acting()
        if _acting["ledgers"]:
            refuse_retired(_acting["ledgers"][0], credential)
        _acting["credential"] = credential
        for ledger in _acting["ledgers"]:
            ledger.sign_with(credential)
    return Actor(credential.operator, credential.office)


def refuse_retired(ledger: CertLedger, credential: Any) -> None:
    """A credential the ledger has revoked, or one past its end, acts no more (the audit would name its saves
    forgeries): refused before anything is written. One not enrolled yet (an office being set up) passes."""
    from ledger.errors import NotFound, RuleViolation

    try:
        view = ledger.credential(credential.credential)
    except NotFound:
        return
    who = f"the credential {view.credential[:16]} of {view.operator} @ {view.office}"
    if view.revoked_at is not None:
        raise RuleViolation("credential-revoked", f"{who} was revoked on {view.revoked_at:%Y-%m-%d %H:%M} UTC: "
                            "it can no longer act (ask your office for a new one: certledger operator add)")
    if ledger.now() >= view.not_after:
        raise RuleViolation("credential-expired", f"{who} expired on {view.not_after:%Y-%m-%d}: "
                            "ask your office for a new one (certledger operator add)")


def acting_as(credential: Any) -> None:
    """Act with this credential from now on (`init` has just made it)."""
    _acting["credential"] = credential
    for ledger in _acting["ledgers"]:
        ledger.sign_with(credential)


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
    ledger = CertLedger(env=s.eventsourcing_env(create), blobs=BlobStore(s.blobs_path),
                        transparency_log=s.transparency_log, signer=_acting["credential"])
    _acting["ledgers"].append(ledger)
    return ledger


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


_PASSPHRASES = {"key": "key_passphrase", "root": "root_passphrase", "publisher": "publisher_passphrase",
                "operator": "operator_passphrase", "new operator": "new_operator_passphrase"}


def passphrase(which: str) -> str:
    """A passphrase (the office key's, the root's, the publisher's, the acting operator's or a new operator's):
    from the environment, else asked for at a terminal."""
    import sys

    from ledger.errors import InvalidInput

    s = settings()
    secret = getattr(s, _PASSPHRASES[which])
    if secret is not None and secret.get_secret_value():
        return str(secret.get_secret_value())
    variable = "CERTLEDGER_" + _PASSPHRASES[which].upper()
    if not sys.stdin.isatty():
        raise InvalidInput(variable, f"required: the {which} passphrase (set it, or run at a terminal to be asked)")
    import typer

    return str(typer.prompt(f"{which} passphrase", hide_input=True))


def signing_key_ahead(ledger: CertLedger) -> None:
    """Begin unsealing the acting office's signing key, which a signing command opens after its drafts (scrypt
    runs beside the drafting and pyHanko's import)."""
    from cli.credentials import select, store

    def path() -> Path:
        return key_store().directory / f"{ledger.active_key(select(store().held()).office).kid}.key.pem"

    unseal_ahead("key", path)


def unseal_ahead(which: str, path: Callable[[], Path]) -> None:
    """Begin unsealing the key file at `path()` in a thread (keys.sealed.open_ahead), when the `which` passphrase
    is in the environment: whatever is wrong (no credential, no key valid now, an unsafe file) is reported where
    the file is really opened, so nothing is here."""
    from keys.files import read_private_bytes
    from keys.sealed import open_ahead

    secret = getattr(settings(), _PASSPHRASES[which])
    if secret is None:
        return
    try:
        data = read_private_bytes(path(), which)
    except Exception:  # noqa: BLE001 (named where the file is opened)
        return
    open_ahead(data, secret.get_secret_value())


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
    return load_trust_list(list_path.read_bytes(), root_path.read_bytes(), root_crl(root_path))


def root_crl(root_path: Path) -> bytes | None:
    """The root's CRL kept beside the pinned root certificate (keys.revocation), if the keeper has issued one:
    refused when stale or older than one accepted there before (keys.crl_freshness)."""
    from datetime import UTC, datetime

    from keys.crl_freshness import accepted_crl

    return accepted_crl(root_path, datetime.now(UTC))


def pinned_root(root: Path | None = None) -> Path:
    """The root certificate the user pins: `root`, else the key store's; NotFound when there is none."""
    from ledger.errors import NotFound

    path = root or settings().keys_path / "root.cert.pem"
    if not path.is_file():
        raise NotFound(f"no root certificate at {path}: pass the one you pin with --root")
    return path


def save_verifier(root: Path | None = None) -> Any:
    """The checks of signed saves (credential certificates, signatures) against the pinned root."""
    from keys.credentials import SaveVerifier

    return SaveVerifier(pinned_root(root).read_bytes())
