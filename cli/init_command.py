"""`certledger init`: the data directory, the store, the shipped catalog, and everything one office needs to
act: the deployment root (if this home has none), the office's signing key and its first operator's credential."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from cli import output
from cli.output import emit
from cli.wiring import acting_as, key_store, open_ledger, passphrase, publish_trust_list, settings

if TYPE_CHECKING:
    from ledger.application import Actor, CertLedger

init_app = typer.Typer()


@init_app.command()
def init(
    office: Annotated[str, typer.Option("--office", help="This office's 4-digit authority code, e.g. 1501.")],
    operator: Annotated[str, typer.Option("--operator", help="The office's first operator (gets a credential).")],
    store: Annotated[str, typer.Option(help="sqlite (default) or postgres.")] = "sqlite",
) -> None:
    """Create the data directory and the store, remember the office, load the shipped catalog, and make the
    office's key and its first operator's credential (in a home that has them already: add this office)."""
    from ledger.application import Actor
    from ledger.errors import InvalidInput

    who = Actor(operator, office)
    if store not in ("sqlite", "postgres"):
        raise InvalidInput("store", "sqlite or postgres")
    s = settings()
    s.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    first = not s.config_file.exists()
    if first:  # a later init adds an office to this home: the defaults stay those of the first
        saved = {"office": office, "operator": operator, "store": store}
        s.config_file.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", "utf-8")
    output.reset_settings()
    ledger = open_ledger(create=True)
    made = _office_and_credential(ledger, who)
    loaded = ledger.ensure_default_catalog(who)
    published = publish_trust_list(ledger) if made["key"] else None
    emit({"home": str(s.home.resolve()), "office": office, "store": store, "catalog_loaded": loaded, **made,
          "trust_list": str(published) if published else None},
         f"initialised {s.home} for office {office} ({store})"
         + (f"; key {made['key']} made" if made["key"] else "")
         + (f"; credential of {operator} @ {office} made" if made["credential"] else "")
         + (f"; catalog {loaded} loaded" if loaded else "; catalog already loaded"))


def _office_and_credential(ledger: CertLedger, who: Actor) -> dict[str, str | None]:
    """The root if absent, the office's key and its first operator's credential when the office has no key yet;
    an init repeated by an operator already enrolled changes nothing."""
    from cli import credentials
    from keys.store import ROOT_CERT_FILE
    from ledger.errors import RuleViolation
    from ledger.reference import authority

    keys, s, now = key_store(), settings(), ledger.now()
    active = [k for k in ledger.signing_keys(who.office) if k.status == "active"]
    if active:
        held = credentials.held_for(who.office, who.operator)
        if held is None or all(c.credential != held.credential for c in ledger.credentials(who.office)):
            raise RuleViolation("office-exists", f"office {who.office} already has key {active[0].kid} here: "
                                "an operator of that office adds a new one (certledger operator add)")
        acting_as(credentials.store().load(held, passphrase("operator")))
        return {"key": None, "credential": None}
    if not (keys.directory / ROOT_CERT_FILE).exists():
        keys.init_root(passphrase("root"), s.root_name, now=now - timedelta(minutes=5))
    key = keys.generate_office_key(who.office, authority(who.office).office, passphrase("root"), passphrase("key"),
                                   not_before=now, not_after=now + timedelta(days=365 * s.key_years))
    held = credentials.issue(keys.load_signer(key.kid, passphrase("key")), who.operator, "operator", now)
    acting_as(credentials.store().load(held, passphrase("operator")))
    ledger.register_office(who, key.kid, key.algorithm, key.public_key_pem, key.certificate_pem, key.not_before,
                           key.not_after, credentials.enrolment(held))
    return {"key": key.kid, "credential": held.credential}
