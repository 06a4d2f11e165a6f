"""`certledger operator …`: the office's operators and their credentials."""

from __future__ import annotations

from typing import Annotated

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
