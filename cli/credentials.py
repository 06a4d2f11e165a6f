"""The operator credentials the user holds: choosing the acting one, and making new ones (init, operator add)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cli import output
from cli.wiring import passphrase, settings

if TYPE_CHECKING:
    from keys.credentials import CredentialStore, HeldCredential, LoadedCredential
    from keys.store import LoadedKey
    from ledger.app_credentials import Enrolment


def store() -> CredentialStore:
    from keys.credentials import CredentialStore

    return CredentialStore(settings().credentials_path, kdf_cost=settings().key_kdf_cost)


def _explicit(name: str) -> bool:
    """Was --office/--operator given (or its CERTLEDGER_ variable), rather than taken from config.json?"""
    return name in output._state["overrides"] or bool(os.environ.get(f"CERTLEDGER_{name.upper()}"))


def select(held: list[HeldCredential]) -> HeldCredential:
    """The held credential `--office` / `--operator` (or config.json's defaults) choose, or a clear refusal."""
    from ledger.errors import InvalidInput

    s = settings()
    where = str(settings().credentials_path)
    if not held:
        raise InvalidInput("credential", f"no operator credential in {where}: every write is made with one "
                           "(certledger init, or certledger operator add by your office)")
    of_office = [h for h in held if not s.office or h.office == s.office]
    if not of_office:
        offices = ", ".join(sorted({h.office for h in held}))
        raise InvalidInput("office", f"no credential of office {s.office} is held here (held: {offices}); "
                           "--office only chooses among the credentials you hold")
    chosen = [h for h in of_office if not s.operator or h.operator == s.operator]
    if not chosen and not _explicit("operator") and len({h.operator for h in of_office}) == 1:
        chosen = of_office  # config.json's default operator belongs to another office: the office's only one
    if not chosen:
        names = ", ".join(sorted({h.operator for h in of_office}))
        raise InvalidInput("operator", f"no credential of {s.operator} @ {of_office[0].office} is held here "
                           f"(held for that office: {names}); --operator only chooses among held credentials")
    if len({(h.office, h.operator) for h in chosen}) > 1:
        raise InvalidInput("office" if not s.office else "operator",
                           "several credentials match: choose one with --office and --operator")
    return max(chosen, key=lambda h: h.not_before)  # the newest of one operator's credentials


_ahead = {"begun": False}


def open_ahead() -> None:
    """Begin unsealing the credential load_acting will open (cli.wiring.unseal_ahead); once per command."""
    from cli.wiring import unseal_ahead

    if not _ahead["begun"]:
        _ahead["begun"] = True
        unseal_ahead("operator", lambda: store().key_path(select(store().held())))


def load_acting() -> LoadedCredential:
    held = select(store().held())
    return store().load(held, passphrase("operator"))


def held_for(office: str, operator: str) -> HeldCredential | None:
    found = [h for h in store().held() if (h.office, h.operator) == (office, operator)]
    return max(found, key=lambda h: h.not_before) if found else None


def issue(office_key: LoadedKey, operator: str, which: str, now: datetime) -> HeldCredential:
    return store().issue(office_key, operator, passphrase(which), now=now)


def enrolment(held: HeldCredential) -> Enrolment:
    from office.enrol import enrolment_of

    return enrolment_of(held)


def record_first_key(ledger: Any, operator: str, key: Any) -> HeldCredential:
    """An office's first key in this home: its first operator's credential, issued by that key, recorded with
    the key and the trust list in one save that credential signs; then the shipped catalog if not loaded."""
    from cli.key_wiring import publisher_signer
    from cli.wiring import acting_as, key_store
    from ledger.application import Actor

    held = issue(key_store().load_signer(key.kid, passphrase("key")), operator, "operator", ledger.now())
    acting_as(store().load(held, passphrase("operator")))
    who = Actor(operator, key.office)
    ledger.register_office(who, key.kid, key.algorithm, key.public_key_pem, key.certificate_pem, key.not_before,
                           key.not_after, enrolment(held), publisher=publisher_signer())
    ledger.ensure_default_catalog(who)
    return held
