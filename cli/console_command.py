"""`certledger console` (the office console, under uvicorn) and `certledger console account add|list`.

The command never imports console: uvicorn loads the application by name (console.app:create_app_from_env),
and the accounts are office.accounts', shared with the console.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli import output
from cli.output import emit
from cli.wiring import actor, key_store, open_ledger, passphrase, settings

APP = "console.app:create_app_from_env"
console_app = typer.Typer(help="The office console (web application for clerks, reviewers and heads).")
account_app = typer.Typer(no_args_is_help=True, help="Console accounts: one per operator, with a role.")
console_app.add_typer(account_app, name="account")


@console_app.callback(invoke_without_command=True)
def console(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
) -> None:
    """Run the office console on this ledger (one worker: sessions live in its memory); needs the office key's
    passphrase (CERTLEDGER_KEY_PASSPHRASE) and a first head account (certledger console account add)."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from ledger.errors import InvalidInput, NotFound
    from office.accounts import AccountStore

    s = settings()
    if s.store == "memory":
        raise InvalidInput("store", "the memory store lives in one process: serve a sqlite or postgres ledger")
    if s.store == "sqlite" and not s.sqlite_file.is_file():
        raise NotFound(f"no ledger at {s.home}: run certledger init --office CODE --operator NAME")
    if not s.office:
        raise InvalidInput("--office", "the office the console serves (certledger init remembers it)")
    passphrase("key")  # the console holds the office key: refuse to start without its passphrase
    if AccountStore(_accounts_path()).count() == 0:
        raise InvalidInput("account", "no console account yet: certledger console account add --username NAME "
                                      "--role head")
    os.environ["CERTLEDGER_HOME"] = str(s.home.resolve())
    os.environ["CERTLEDGER_STORE"] = s.store
    os.environ["CERTLEDGER_OFFICE"] = s.office
    os.environ["CERTLEDGER_KEY_PASSPHRASE"] = passphrase("key")
    uvicorn.run(APP, factory=True, host=host, port=port, workers=1, access_log=False, server_header=False,
                proxy_headers=False, log_level="info")


def _accounts_path() -> Path:
    from office.accounts import DEFAULT_FILE

    return settings().home / DEFAULT_FILE


@account_app.command("add")
def account_add(
    username: Annotated[str, typer.Option(help="The operator's name (the credential's CN).")],
    role: Annotated[str, typer.Option(help="clerk (受理/办理), reviewer (审核), head (签发), auditor (read-only).")],
    totp: Annotated[bool, typer.Option("--totp", help="Also require a TOTP code; prints its otpauth:// URI.")]
    = False,
) -> None:
    """An account for an operator of your office. The acting operator (or a new one, whose credential the office
    key issues and the ledger records) logs in with the credential's passphrase: CERTLEDGER_OPERATOR_PASSPHRASE
    for yourself, CERTLEDGER_NEW_OPERATOR_PASSPHRASE for another operator."""
    from cli import credentials
    from ledger.errors import InvalidInput
    from office.accounts import AccountStore
    from office.enrol import create_account, held_for
    from office.passwords import new_totp_secret, totp_uri
    from office.roles import parse_role

    try:
        chosen = parse_role(role)
    except ValueError as e:
        raise InvalidInput("--role", str(e).partition(": ")[2]) from None
    ledger, who = open_ledger(), actor()
    password = passphrase("operator" if username.strip() == who.operator else "new operator")
    office_key = None
    if held_for(credentials.store(), who.office, username.strip()) is None:
        office_key = key_store().load_signer(ledger.active_key(who.office).kid, passphrase("key"))
    secret = new_totp_secret() if totp else None
    account = create_account(ledger, who, office_key, credentials.store(), AccountStore(_accounts_path()),
                             username, chosen, password, totp_secret=secret)
    emit({"username": account.username, "office": account.office, "role": account.role.value,
          "credential": account.credential, "totp_uri": totp_uri(secret, account.username) if secret else None},
         f"account {account.username} @ {account.office}: {account.role.value}, credential "
         f"{account.credential[:16]}" + (f"; TOTP {totp_uri(secret, account.username)}" if secret else ""))


@account_app.command("list")
def account_list() -> None:
    """The console's accounts and their roles."""
    from office.accounts import AccountStore

    rows = [{"username": a.username, "office": a.office, "role": a.role.value, "totp": bool(a.totp_secret),
             "disabled": a.disabled, "credential": a.credential} for a in AccountStore(_accounts_path()).all()]
    if output.json_mode():
        emit(rows, "")
        return
    if not rows:
        emit(None, "no console accounts")
    for r in rows:
        emit(None, f"{r['username']} @ {r['office']}  {r['role']}  {'totp ' if r['totp'] else ''}"
                   f"{'disabled' if r['disabled'] else 'active'}")
