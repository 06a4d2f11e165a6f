"""`certledger keys …`: office signing keys, their certification by the root's keeper, the trust list.

An office makes its key and a request (`keys request`), the root's keeper certifies it
(`keys certify`, cli/keeper_commands.py, on its own machine), the office installs the
certificate (`keys install`): recorded in the ledger with the trust list the publisher signs,
in one save. `keys init` / `keys rotate` do all three in one step only where the root's
passphrase is present (a development set-up); otherwise they make the request and say what to
send to the keeper.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import keeper_commands, output
from cli.key_wiring import ensure_publisher, ensure_root, has_root_passphrase, publisher_signer, root_store
from cli.key_wiring import write_trust_list_file as write_file
from cli.output import emit
from cli.wiring import actor, key_store, open_ledger, passphrase, settings

if TYPE_CHECKING:
    from keys.requests import KeyRequest

keys_app = typer.Typer(no_args_is_help=True, help="Office signing keys (ECDSA P-256, X.509), their certification "
                                                  "by the root's keeper, and the trust list.")
keys_app.command("init-root")(keeper_commands.init_root)
keys_app.command("certify")(keeper_commands.certify)
keys_app.command("revoke-publisher")(keeper_commands.revoke_publisher)
keys_app.command("issued")(keeper_commands.issued)
keys_app.command("crl-refresh")(keeper_commands.crl_refresh)


@keys_app.command("request")
def keys_request(
    out: Annotated[Path | None, typer.Option("--out", help="Also write the request here (PEM).")] = None,
    publisher: Annotated[bool, typer.Option("--publisher", help="The deployment's trust-list publisher key "
                                                                "(CERTLEDGER_PUBLISHER_PASSPHRASE).")] = False,
) -> None:
    """Make a new key (kept here, pending) and the certificate request to send to the root's keeper."""
    from keys.enrol import request_key
    from ledger.reference import authority

    store = key_store()
    if publisher:
        request = request_key(store, passphrase("publisher"), office=None)
    else:  # the declared office: a request records nothing, the keeper's certificate is what proves
        office = _declared_office()
        request = request_key(store, passphrase("key"), office=office, office_name=authority(office).office)
    _say_pending(request, out)


def _declared_office() -> str:
    from cli.province_table import know
    from ledger.errors import InvalidInput

    office = settings().office
    if not office:
        raise InvalidInput("office", "which office's key: pass --office CODE")
    know(office)  # a province set up from its own table (init --authority-table), its key waiting or not
    return office


def _say_pending(request: KeyRequest, out: Path | None, retire: str | None = None) -> None:
    from keys.roles import OFFICE

    stem = request.kid if request.role == OFFICE else f"publisher-{request.kid}"
    target = out or key_store().directory / f"{stem}.csr.pem"
    if out is not None:
        keeper_commands._write_new(out, request.pem.encode("ascii"))
    then = f"certledger keys install CERT{f' --retire {retire}' if retire else ''}"
    emit({"pending": request.kid, "request": str(target), "next": f"certledger keys certify {target} --out CERT",
          "then": then},
         f"{request.describe()} is pending; send {target} to the root's keeper, read them the key id "
         f"{request.kid} by another channel, and install the certificate they return: {then}")


def _install(cert_pem: bytes, retire: str | None, root_pem: bytes | None = None,
             made: dict[str, str] | None = None, *, operator: str | None = None,
             quiet: bool = False) -> dict[str, object]:
    """Check a certificate, keep it, and (an office key) record it with the trust list; undone if refused.
    An office's first key here is recorded with its first operator's credential, which that key issues."""
    from cli.province_table import register_pending
    from keys.enrol import check_certificate, forget, keep

    table = register_pending()  # init --authority-table kept it until this office's first key
    store = key_store()
    ledger = open_ledger()
    checked = check_certificate(store, cert_pem, now=ledger.now(), root_pem=root_pem)
    if checked.office_key is None:  # the publisher's: not a ledger key
        keep(store, checked)
        emit({"publisher": checked.kid, "root_pinned": checked.root_pinned},
             f"publisher key {checked.kid} installed; it signs the next trust list")
        return {}
    key = checked.office_key
    first = retire is None and not ledger.signing_keys(key.office)
    written = keep(store, checked)
    try:
        view = (_record_first(ledger, key, operator, table) if first else
                ledger.register_key(actor(), key.kid, key.algorithm, key.public_key_pem, key.certificate_pem,
                                    key.not_before, key.not_after, office=key.office, publisher=publisher_signer(),
                                    retire=retire))
    except BaseException:
        forget(written)  # nothing recorded: the key stays pending, as before this command
        raise
    published = write_file(ledger)
    made = made or {}
    payload = {"key": view.to_dict(), "root_pinned": checked.root_pinned, "trust_list": str(published),
               "root_created": "root" in made, **made}
    if not quiet:
        emit(payload, "".join(f"created the deployment {what} ({value[:16]}…); " for what, value in made.items())
             + f"key {view.kid} for office {view.office}, signing until {view.not_after:%Y-%m-%d}"
             + (f"; key {retire} retired" if retire else "") + f"; trust list published at {published}")
    return payload


def _record_first(ledger: Any, key: Any, operator: str | None, table: dict[str, Any] | None = None) -> Any:
    from cli import credentials, province_table
    from ledger.application import Actor
    from ledger.errors import InvalidInput

    operator = operator or settings().operator
    if not operator:
        raise InvalidInput("operator", "the office's first key needs its first operator: pass --operator NAME "
                                       "(the key issues that operator's credential)")
    credentials.record_first_key(ledger, operator, key)
    if table is not None and str(table["code"]) == key.office[:2]:
        province_table.record(ledger, Actor(operator, key.office), table)
    return ledger.key(key.kid)


@keys_app.command("install")
def keys_install(
    certificate: Annotated[Path, typer.Argument(help="The certificate (PEM) the root's keeper returned.")],
    retire: Annotated[str | None, typer.Option("--retire", help="This office's key the new one replaces.")] = None,
    root: Annotated[Path | None, typer.Option("--root", help="The root certificate to pin, where none is pinned "
                                                             "yet (check its fingerprint first).")] = None,
) -> None:
    """Install a certificate for a pending key: checked against the pinned root, recorded with the trust list."""
    _install(keeper_commands._read(certificate), retire, keeper_commands._read(root) if root else None)


def new_office_key(retire: str | None, *, office: str | None = None, operator: str | None = None,
                    quiet: bool = False) -> dict[str, object] | None:
    """Request a key for the office; where the root's passphrase is here (development), certify and install it
    too and return what was made; otherwise say what to send to the keeper and return None."""
    from keys.enrol import request_key
    from keys.keeper import certify
    from ledger.reference import authority

    office = office or (actor().office if retire else _declared_office())
    store, name = key_store(), authority(office).office
    if not has_root_passphrase():
        _say_pending(request_key(store, passphrase("key"), office=office, office_name=name), None, retire)
        return None
    # A development set-up: this machine is the root's keeper too, so request, certify, install at once.
    now = open_ledger().now()
    passphrase("publisher")  # before anything is made: the trust list needs it
    root_created, publisher_created = ensure_root(now), ensure_publisher(now)
    request = request_key(store, passphrase("key"), office=office, office_name=name)
    certified = certify(root_store(), request, passphrase("root"), not_before=now,
                        not_after=now.replace(year=now.year + settings().key_years), office_name=name)
    made = {what: value for what, value in (("root", root_created), ("publisher", publisher_created)) if value}
    return _install(certified.certificate_pem.encode("ascii"), retire,
                    root_store().root_certificate_pem().encode("ascii"), made, operator=operator, quiet=quiet)


@keys_app.command("init")
def keys_init() -> None:
    """This office's first signing key (and, in a development set-up, the root and publisher if missing)."""
    from ledger.errors import RuleViolation

    ledger, office = open_ledger(), _declared_office()  # a first key has no credential yet to prove who acts
    active = [k for k in ledger.signing_keys(office) if k.status == "active"]
    if active:  # certledger init makes the office's first key with its first credential
        if (key_store().directory / f"{active[0].kid}.key.pem").exists():
            emit({"key": active[0].to_dict(), "root_created": False, "trust_list": None},
                 f"office {office} already has key {active[0].kid} (certledger init made it); keys rotate "
                 "makes a new one")
            return
        raise RuleViolation("key-exists", f"office {office} already has key {active[0].kid}: use keys rotate")
    new_office_key(retire=None, office=office)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """A new key for this office; the old one stops signing when the new one is installed."""
    current = open_ledger().active_key(actor().office)
    new_office_key(retire=current.kid)


@keys_app.command("retire")
def keys_retire(
    kid: Annotated[str, typer.Argument(help="Key id.")],
    reason: Annotated[str, typer.Option(help="Why.")],
) -> None:
    """End a key's signing window now (its documents stay valid)."""
    ledger = open_ledger()
    view = ledger.retire_key(actor(), kid, reason, publisher=publisher_signer())
    published = write_file(ledger)
    emit({"key": view.to_dict(), "trust_list": str(published)},
         f"key {kid} retired; trust list published at {published}")


@keys_app.command("revoke")
def keys_revoke(
    kid: Annotated[str, typer.Argument(help="Key id.")],
    compromised_at: Annotated[str, typer.Option(help="When the key was compromised (ISO 8601, with zone).")],
    reason: Annotated[str, typer.Option(help="Why.")],
) -> None:
    """Revoke a key: documents the ledger recorded as signed at or after the compromise time fail.

    The revocation and the trust list are recorded together; the same revocation again republishes."""
    from ledger.errors import InvalidInput

    try:
        moment = datetime.fromisoformat(compromised_at)
    except ValueError:
        raise InvalidInput("--compromised-at", "an ISO 8601 date-time, e.g. 2026-11-20T08:00:00+08:00") from None
    if moment.tzinfo is None:
        raise InvalidInput("--compromised-at", "needs a time zone, e.g. +08:00")
    ledger = open_ledger()
    view = ledger.revoke_key(actor(), kid, moment, reason, publisher=publisher_signer())
    published = write_file(ledger)
    emit({"key": view.to_dict(), "trust_list": str(published)},
         f"key {kid} revoked from {moment.isoformat()}; trust list published at {published}")


@keys_app.command("list")
def keys_list() -> None:
    """Every office's keys as the ledger records them, then the requests of this key directory still waiting
    for the root's keeper's certificate (`keys request`; in --json, entries with status "pending")."""
    from keys.enrol import pending_requests

    views = open_ledger().signing_keys()
    if output.json_mode():
        emit([*(v.to_dict() for v in views), *(r.to_dict() for r in pending_requests(key_store()))], "")
        return
    for v in views:
        extra = f", compromised {v.compromised_at:%Y-%m-%d %H:%M}" if v.compromised_at else ""
        emit(None, f"{v.kid}  office {v.office}  {v.algorithm}  {v.status:<7}  "
                   f"{v.not_before:%Y-%m-%d} .. {v.not_after:%Y-%m-%d}{extra}")
    for request in pending_requests(key_store()):
        emit(None, f"{request.describe()}  pending: waiting for the root's keeper to certify it (then keys "
                   "install CERT)")


@keys_app.command("trust-list")
def keys_trust_list(
    sign: Annotated[bool, typer.Option("--sign", help="Sign and record a fresh list with the publisher key.")] = False,
) -> None:
    """Write the latest recorded trust list to its file; sign a fresh one when asked, or when none reflects
    every key (a store from before lists were recorded; needs the publisher passphrase)."""
    ledger = open_ledger()
    latest = ledger.latest_trust_list()
    if sign or latest is None or not latest.current:
        latest = ledger.publish_trust_list(actor(), publisher_signer())
    published = write_file(ledger)
    emit({"trust_list": str(published), **latest.to_dict()},
         f"trust list {latest.sequence} (issued {latest.issued_at:%Y-%m-%d %H:%M:%S}) published at {published}")
