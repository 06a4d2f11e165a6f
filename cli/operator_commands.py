"""`certledger operator …`: the office's operators and their credentials."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli import output
from cli.output import emit
from cli.wiring import actor, key_store, open_ledger, passphrase

operator_app = typer.Typer(no_args_is_help=True, help="Operator credentials (Ed25519, certified by the office key).")


@operator_app.command("add")
def operator_add(
    operator: Annotated[str, typer.Option("--operator", help="The new operator's name (the certificate's CN).")],
) -> None:
    """A credential for a new operator of your office, issued by its current key (needs the key passphrase; the
    new operator's passphrase from CERTLEDGER_NEW_OPERATOR_PASSPHRASE or a prompt), recorded in the ledger."""
    from cli import credentials

    ledger = open_ledger()
    who = actor()
    kid = ledger.active_key(who.office).kid
    office_key = key_store().load_signer(kid, passphrase("key"))
    held = credentials.issue(office_key, operator, "new operator", ledger.now())
    view = ledger.enrol_credential(who, credentials.enrolment(held))
    emit(view.to_dict(), f"credential {view.credential[:16]} for {view.operator} @ {view.office}, issued by key "
                         f"{kid}, valid until {view.not_after:%Y-%m-%d}; enrolled by {who.operator}")


@operator_app.command("list")
def operator_list() -> None:
    """The credentials held here, and whether the ledger has them enrolled (or revoked)."""
    from cli import credentials

    held = credentials.store().held()
    enrolled = {c.credential: c for c in open_ledger().credentials()}
    rows = [{"credential": h.credential, "operator": h.operator, "office": h.office, "issuer_kid": h.issuer_kid,
             "not_after": h.not_after.isoformat(),
             "state": ("revoked" if enrolled[h.credential].revoked_at else "enrolled") if h.credential in enrolled
             else "not enrolled"} for h in held]
    if output.json_mode():
        emit(rows, "")
        return
    if not rows:
        emit(None, "no credentials held here")
    for r in rows:
        emit(None, f"{r['credential'][:16]}  {r['operator']} @ {r['office']}  key {r['issuer_kid']}  "
                   f"until {r['not_after'][:10]}  {r['state']}")


@operator_app.command("revoke")
def operator_revoke(
    credential: Annotated[str, typer.Argument(help="The credential's id, or its first 16 hex digits (as `operator "
                                                   "list` shows it).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (lost laptop, left the office, ...).")],
) -> None:
    """Revoke a credential of your office: recorded in the ledger, refused for writes from then on, and every save
    it signs after the revocation is a forgery to `audit verify`."""
    ledger = open_ledger()
    who = actor()
    view = ledger.revoke_credential(who, _enrolled(ledger, who.office, credential), reason)
    emit(view.to_dict(), f"credential {view.credential[:16]} of {view.operator} @ {view.office} revoked by "
                         f"{who.operator}; it can no longer act")


@operator_app.command("passphrase")
def operator_passphrase() -> None:
    """Seal your credential's key file under a new passphrase (the old one: CERTLEDGER_OPERATOR_PASSPHRASE or
    asked; the new one: CERTLEDGER_NEW_PASSPHRASE or asked twice). Replaced atomically; nothing is recorded."""
    from cli import credentials
    from cli.rewrap_command import new_passphrase_value
    from keys.credentials import change_passphrase

    store = credentials.store()
    held = credentials.select(store.held())
    result = change_passphrase(store, held, passphrase("operator"), new_passphrase_value())
    emit(result.to_dict() | {"operator": held.operator, "office": held.office},
         f"credential {held.credential[:16]} of {held.operator} @ {held.office}: new passphrase ({result.now})")


def _enrolled(ledger: Any, office: str, given: str) -> str:
    """The full id of the enrolled credential of `office` that `given` (an id or its 16-digit prefix) names."""
    return pick_credential([c.credential for c in ledger.credentials(office)], office, given)


def pick_credential(ids: list[str], office: str, given: str) -> str:
    """The one id of `ids` (credentials of `office`) that `given` names, in full or by a prefix of 16 or more
    hex digits; a prefix several ids share is refused with the candidates, never resolved to the first."""
    from ledger.errors import InvalidInput, NotFound

    text = given.strip().lower()
    if not 16 <= len(text) <= 64 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidInput("credential", "an id of 64 hex digits or its first 16 or more, as `operator list` shows")
    found = sorted({c for c in ids if c.startswith(text)})
    if not found:
        raise NotFound(f"no credential {text[:16]} of office {office} is enrolled in this ledger")
    if len(found) > 1:
        raise InvalidInput("credential", f"the prefix {text} names {len(found)} credentials of office {office} "
                                         f"({', '.join(found)}): give more digits")
    return found[0]
