"""Making an account: the operator's credential (issued by the office key and recorded in the ledger, or an
existing one the password already unseals) and the account that logs in with that password."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from keys.credentials import CredentialStore, HeldCredential, LoadedCredential
from keys.errors import InvalidKeyInput, WrongPassphrase
from keys.store import LoadedKey
from ledger.app_credentials import Enrolment
from ledger.errors import AlreadyExists, InvalidInput
from office.accounts import Account, AccountStore, parse_username
from office.roles import Role


class Enrols(Protocol):
    def enrol_credential(self, actor: Any, enrolment: Enrolment) -> Any: ...

    def now(self) -> datetime: ...


def enrolment_of(held: HeldCredential) -> Enrolment:
    """A held credential as the ledger records it."""
    return Enrolment(held.credential, held.operator, held.office, held.certificate_pem, held.issuer_kid,
                     held.not_before, held.not_after)


def held_for(credentials: CredentialStore, office: str, operator: str) -> HeldCredential | None:
    """The newest credential of an operator of an office held in the store, if any."""
    found = [h for h in credentials.held() if (h.office, h.operator) == (office, operator)]
    return max(found, key=lambda h: h.not_before) if found else None


def unseal(credentials: CredentialStore, held: HeldCredential, password: str) -> LoadedCredential | None:
    """The credential unsealed with the password, or None if the password is not its passphrase."""
    try:
        return credentials.load(held, password)
    except (WrongPassphrase, InvalidKeyInput):
        return None


def create_account(ledger: Enrols, who: Any, office_key: LoadedKey | None, credentials: CredentialStore,
                   accounts: AccountStore, username: str, role: Role, password: str, *,
                   totp_secret: str | None = None) -> Account:
    """An account for `username` of `who`'s office. An operator whose credential is held here keeps it (the
    password must unseal it: it is the credential's passphrase); else a new credential is issued by the
    office key, sealed with the password and recorded in the ledger by `who` (the acting head)."""
    name = parse_username(username)
    if accounts.find(name) is not None:
        raise AlreadyExists(f"account {name} exists")
    held = held_for(credentials, who.office, name)
    if held is not None:
        if unseal(credentials, held, password) is None:
            raise InvalidInput("password", f"{name} already holds a credential here: the password must be its "
                                           "passphrase (it unseals the credential at each login)")
    else:
        if office_key is None:
            raise InvalidInput("office key", "a new operator's credential is issued by the office key: "
                                             "its passphrase is needed")
        try:
            held = credentials.issue(office_key, name, password, now=ledger.now())
        except InvalidKeyInput as e:
            raise InvalidInput("password", str(e).partition(": ")[2] or str(e)) from None
        ledger.enrol_credential(who, enrolment_of(held))
    return accounts.add(name, who.office, role, password, held.credential, ledger.now(), totp_secret=totp_secret)
