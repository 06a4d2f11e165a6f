"""Wiring of the keys commands: the root's keeper, the publisher, the trust-list file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cli.wiring import key_store, passphrase, settings

if TYPE_CHECKING:
    from keys.roles import LoadedPublisher
    from keys.store import KeyStore
    from ledger.application import CertLedger, TrustListSigner
    from ledger.views import SigningKeyView


def has_root_passphrase() -> bool:
    """A development set-up: the root's passphrase is in the environment, so this machine is its keeper too."""
    secret = settings().root_passphrase
    return secret is not None and bool(secret.get_secret_value())


def root_store(directory: Path | None = None) -> KeyStore:
    from keys.store import KeyStore

    return KeyStore(directory or settings().root_path)


def publisher_signer() -> TrustListSigner:
    """The publisher, loaded when the ledger first asks it to sign (inside the save: its failure saves nothing)."""
    from keys.enrol import load_publisher
    from keys.trustlist import build_trust_list

    s = settings()
    loaded: dict[str, LoadedPublisher] = {}

    def sign(keys: Sequence[SigningKeyView], issued_at: datetime) -> bytes:
        if "publisher" not in loaded:
            if has_root_passphrase():  # a development set-up keeps its own publisher (a store from before it)
                ensure_publisher(issued_at)
            loaded["publisher"] = load_publisher(key_store(), passphrase("publisher"), issued_at)
        return build_trust_list(keys, loaded["publisher"], issuer=s.root_name, issued_at=issued_at)

    return sign


def write_trust_list_file(ledger: CertLedger) -> Path:
    """Write the latest recorded trust list to <home>/trust-list.jws (after the commit that recorded it)."""
    from keys.errors import TrustListNotWritten
    from ledger.errors import NotFound

    latest = ledger.latest_trust_list()
    if latest is None:
        raise NotFound("no trust list is recorded yet: certledger keys trust-list --sign (with the publisher key)")
    target = settings().trust_list_path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(latest.data)
        tmp.replace(target)
    except OSError as e:
        raise TrustListNotWritten(f"the change and trust list {latest.sequence} are recorded, but {target} could "
                                  f"not be written ({e.strerror or type(e).__name__}): fix it, then retry the "
                                  "command or run certledger keys trust-list") from None
    return target


def ensure_publisher(now: datetime) -> str | None:
    """Development: certify a publisher key here if the deployment has none; its kid when one was made."""
    from keys.enrol import install, publisher_kids, request_key
    from keys.keeper import certify

    store = key_store()
    if publisher_kids(store):
        return None
    request = request_key(store, passphrase("publisher"), office=None)
    certified = certify(root_store(), request, passphrase("root"), not_before=now,
                        not_after=now.replace(year=now.year + settings().key_years))
    install(store, certified.certificate_pem, now=now, root_pem=root_store().root_certificate_pem().encode())
    return request.kid


def ensure_root(now: datetime) -> str | None:
    """Development: create the root in its directory if there is none; its fingerprint when one was made."""
    from keys.store import ROOT_CERT_FILE

    store = root_store()
    if (store.directory / ROOT_CERT_FILE).exists():
        return None
    return store.init_root(passphrase("root"), settings().root_name, now=now).fingerprint_sha256
