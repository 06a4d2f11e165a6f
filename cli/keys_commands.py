"""`certledger keys …`: office signing keys and the signed trust list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer

from cli import output
from cli.output import emit
from cli.wiring import actor, key_store, open_ledger, passphrase, publish_trust_list, settings

keys_app = typer.Typer(no_args_is_help=True, help="Office signing keys (ECDSA P-256, X.509) and the trust list.")


def _new_office_key(retire: str | None) -> None:
    from keys.store import ROOT_CERT_FILE
    from ledger.reference import authority

    ledger, who, store, s = open_ledger(), actor(), key_store(), settings()
    now = ledger.now()
    created_root = None
    if not (store.directory / ROOT_CERT_FILE).exists():
        created_root = store.init_root(passphrase("root"), s.root_name, now=now)
    key = store.generate_office_key(who.office, authority(who.office).office, passphrase("root"), passphrase("key"),
                                    not_before=now, not_after=now + timedelta(days=365 * s.key_years))
    view = ledger.register_key(who, key.kid, key.algorithm, key.public_key_pem, key.certificate_pem,
                               key.not_before, key.not_after, retire=retire)
    published = publish_trust_list(ledger)
    emit({"key": view.to_dict(), "root_created": created_root is not None, "trust_list": str(published)},
         (f"created the deployment root ({created_root.fingerprint_sha256[:16]}…); " if created_root else "")
         + f"key {view.kid} for office {view.office}, signing until {view.not_after:%Y-%m-%d}"
         + (f"; key {retire} retired" if retire else "") + f"; trust list published at {published}")


@keys_app.command("init")
def keys_init() -> None:
    """Create the deployment root if there is none, and this office's first signing key."""
    from ledger.errors import RuleViolation

    ledger, who = open_ledger(), actor()
    active = [k for k in ledger.signing_keys(who.office) if k.status == "active"]
    if active:  # certledger init makes the office's first key with its first credential
        if (key_store().directory / f"{active[0].kid}.key.pem").exists():
            emit({"key": active[0].to_dict(), "root_created": False, "trust_list": None},
                 f"office {who.office} already has key {active[0].kid} (certledger init made it); keys rotate "
                 "makes a new one")
            return
        raise RuleViolation("key-exists", f"office {who.office} already has key {active[0].kid}: use keys rotate")
    _new_office_key(retire=None)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """A new key for this office; the old one stops signing now (its documents stay valid)."""
    current = open_ledger().active_key(actor().office)
    _new_office_key(retire=current.kid)


@keys_app.command("revoke")
def keys_revoke(
    kid: Annotated[str, typer.Argument(help="Key id.")],
    compromised_at: Annotated[str, typer.Option(help="When the key was compromised (ISO 8601, with zone).")],
    reason: Annotated[str, typer.Option(help="Why.")],
) -> None:
    """Revoke a key: documents the ledger recorded as signed at or after the compromise time fail."""
    from ledger.errors import InvalidInput

    try:
        moment = datetime.fromisoformat(compromised_at)
    except ValueError:
        raise InvalidInput("--compromised-at", "an ISO 8601 date-time, e.g. 2026-11-20T08:00:00+08:00") from None
    if moment.tzinfo is None:
        raise InvalidInput("--compromised-at", "needs a time zone, e.g. +08:00")
    ledger = open_ledger()
    view = ledger.revoke_key(actor(), kid, moment, reason)
    published = publish_trust_list(ledger)
    emit({"key": view.to_dict(), "trust_list": str(published)},
         f"key {kid} revoked from {moment.isoformat()}; trust list published at {published}")


@keys_app.command("list")
def keys_list() -> None:
    """Every office's keys as the ledger records them."""
    views = open_ledger().signing_keys()
    if output.json_mode():
        emit([v.to_dict() for v in views], "")
        return
    for v in views:
        extra = f", compromised {v.compromised_at:%Y-%m-%d %H:%M}" if v.compromised_at else ""
        emit(None, f"{v.kid}  office {v.office}  {v.algorithm}  {v.status:<7}  "
                   f"{v.not_before:%Y-%m-%d} .. {v.not_after:%Y-%m-%d}{extra}")


@keys_app.command("trust-list")
def keys_trust_list() -> None:
    """Sign and publish the trust list (every office's keys) for verifiers."""
    published = publish_trust_list(open_ledger())
    emit({"trust_list": str(published)}, f"trust list published at {published}")
