"""`certledger init`: the data directory, the store, the shipped catalog, and everything one office needs to
act: the deployment root (if this home has none), the office's signing key and its first operator's credential."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import output
from cli.output import emit
from cli.wiring import acting_as, open_ledger, passphrase, settings

if TYPE_CHECKING:
    from ledger.application import Actor, CertLedger

init_app = typer.Typer()


@init_app.command()
def init(
    office: Annotated[str, typer.Option("--office", help="This office's 4-digit authority code, e.g. 1501.")],
    operator: Annotated[str, typer.Option("--operator", help="The office's first operator (gets a credential).")],
    store: Annotated[str, typer.Option(help="sqlite (default) or postgres.")] = "sqlite",
    authority_table: Annotated[Path | None, typer.Option(
        "--authority-table", help="A province the ledger does not ship (Zhejiang, seed 003): its authority table "
                                  "(JSON, as `authority load` takes it), recorded with the first credential.")] = None,
) -> None:
    """Create the data directory and the store, remember the office, load the shipped catalog, and make the
    office's key and its first operator's credential (in a home that has them already: add this office).
    Without the root's passphrase (production) the key is requested: send it to the root's keeper, then
    `keys install CERT --operator NAME` records it with the operator's credential and loads the catalog."""
    from cli import province_table
    from config.datadir import make_private_dir
    from ledger.application import Actor
    from ledger.errors import InvalidInput

    table = province_table.read_for(office, authority_table) if authority_table else None  # before anything
    if table is None:
        province_table.know(office)  # another office of a province this home's ledger loaded
    who = Actor(operator, office)
    if store not in ("sqlite", "postgres"):
        raise InvalidInput("store", "sqlite or postgres")
    s = settings()
    for line in make_private_dir(s.home):  # 0700: it will hold ID numbers and attachments
        print(f"warning: {line}", file=sys.stderr)
    if not s.config_file.exists():  # a later init adds an office to this home: the defaults stay those of the first
        saved = {"office": office, "operator": operator, "store": store}
        s.config_file.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", "utf-8")
    output.reset_settings()
    ledger = open_ledger(create=True)
    made = _office_and_credential(ledger, who)
    if made is None:
        if table is not None:  # the key is pending at the root's keeper; `keys install` records the table too
            province_table.keep_pending(table)
        return
    province = _record_table(ledger, who, table)
    loaded = ledger.ensure_default_catalog(who)
    emit({"home": str(s.home.resolve()), "office": office, "store": store, "catalog_loaded": loaded,
          "authority_table": province, **made},
         f"initialised {s.home} for office {office} ({store})"
         + (f"; authority table of province {province} loaded" if province else "")
         + (f"; key {made['key']} made" if made["key"] else "")
         + (f"; credential of {operator} @ {office} made" if made["credential"] else "")
         + (f"; catalog {loaded} loaded" if loaded else "; catalog already loaded"))


def _record_table(ledger: CertLedger, who: Actor, table: dict[str, Any] | None) -> str | None:
    """Record the province's table with the credential just made (None: no table, or this ledger had it)."""
    from cli import province_table

    if table is None:
        return None
    return str(table["code"]) if province_table.record(ledger, who, table) else None


def _office_and_credential(ledger: CertLedger, who: Actor) -> dict[str, str | None] | None:
    """The office's key and its first operator's credential when the office has no key yet (None: requested
    from the root's keeper); an init repeated by an operator already enrolled changes nothing."""
    from cli import credentials
    from cli.keys_commands import new_office_key
    from ledger.errors import RuleViolation

    active = [k for k in ledger.signing_keys(who.office) if k.status == "active"]
    if active:
        held = credentials.held_for(who.office, who.operator)
        if held is None or all(c.credential != held.credential for c in ledger.credentials(who.office)):
            raise RuleViolation("office-exists", f"office {who.office} already has key {active[0].kid} here: "
                                "an operator of that office adds a new one (certledger operator add)")
        acting_as(credentials.store().load(held, passphrase("operator")))
        return {"key": None, "credential": None}
    made = new_office_key(None, office=who.office, operator=who.operator, quiet=True)
    if made is None:
        return None
    held = credentials.held_for(who.office, who.operator)
    key = made["key"]
    return {"key": key["kid"] if isinstance(key, dict) else None, "credential": held.credential if held else None,
            "trust_list": str(made.get("trust_list"))}
