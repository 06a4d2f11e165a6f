"""`certledger keys init-root`, `keys certify`: the root's keeper, on its own machine.

Neither opens a ledger or reads an office's keys: they need the root's key directory
(`--root-dir`, default the keys directory) and CERTLEDGER_ROOT_PASSPHRASE, nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.key_wiring import root_store
from cli.output import emit
from cli.wiring import passphrase, settings

RootDir = Annotated[Path | None, typer.Option("--root-dir", help="The root's key directory (default: the keys "
                                                                 "directory, or CERTLEDGER_ROOT_DIR).")]


def init_root(root_dir: RootDir = None) -> None:
    """Create the deployment root (P-256, self-signed) in the root's directory."""
    store = root_store(root_dir)
    info = store.init_root(passphrase("root"), settings().root_name, now=datetime.now(UTC))
    emit({"root_dir": str(store.directory), "subject": info.subject, "fingerprint_sha256": info.fingerprint_sha256},
         f"root created in {store.directory}: {info.subject}, SHA-256 {info.fingerprint_sha256}; give offices "
         f"{store.directory / 'root.cert.pem'} and read them this fingerprint by another channel")


def certify(
    request_file: Annotated[Path, typer.Argument(help="The request (PEM) an office or the publisher sent.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the certificate (PEM).")],
    root_dir: RootDir = None,
    kid: Annotated[str | None, typer.Option("--kid", help="The key id the requester read to you by another "
                                                          "channel: refuse a request for any other key.")] = None,
    days: Annotated[int | None, typer.Option(help="Validity in days (default: CERTLEDGER_KEY_YEARS years).")] = None,
    authority_table: Annotated[Path | None, typer.Option(
        "--authority-table", help="The authority table of a province the ledger does not ship (the file the "
                                  "office was set up with, seed 003): its offices are known ones.")] = None,
) -> None:
    """Check a request (its signature, its subject, a known office) and certify it with the root key."""
    from keys.errors import KeyRequestInvalid
    from keys.keeper import certify as issue
    from keys.requests import read_request
    from keys.roles import OFFICE
    from ledger.errors import InvalidInput, LedgerError
    from ledger.reference import authority

    if days is not None and days < 1:
        raise InvalidInput("--days", "at least 1")
    if authority_table is not None:
        from cli.params import json_object_file
        from ledger.reference import register_authority_table

        register_authority_table(json_object_file(authority_table, "code, name and cities"))
    request = read_request(_read(request_file))
    office_name = None
    if request.role == OFFICE:
        assert request.office is not None
        try:
            office_name = authority(request.office).office
        except LedgerError as e:
            raise KeyRequestInvalid(f"request subject: OU {request.office} is no known issuing authority "
                                    f"({e})") from None
    now = datetime.now(UTC)
    end = now + timedelta(days=days) if days else now.replace(year=now.year + settings().key_years)
    certified = issue(root_store(root_dir), request, passphrase("root"), not_before=now, not_after=end,
                      office_name=office_name, expect_kid=kid)
    _write_new(out, certified.certificate_pem.encode("ascii"))
    emit({"certificate": str(out), "role": certified.role, "office": certified.office, "kid": certified.kid,
          "not_before": certified.not_before.isoformat(), "not_after": certified.not_after.isoformat(),
          "serial": f"{certified.serial:x}", "record_entries": certified.entry},
         f"certified {request.describe()}, valid {certified.not_before:%Y-%m-%d} .. {certified.not_after:%Y-%m-%d}"
         f", serial {certified.serial:x}; certificate written to {out}; the keeper's record now holds "
         f"{certified.entry} entries (note it elsewhere)")


def revoke_publisher(
    serial: Annotated[str, typer.Argument(help="The publisher certificate's serial (hex), as keys certify or "
                                               "keys issued print it.")],
    reason: Annotated[str, typer.Option("--reason", help="key-compromise, superseded, cessation-of-operation, "
                                                         "affiliation-changed or unspecified.")] = "key-compromise",
    root_dir: RootDir = None,
) -> None:
    """Revoke a publisher certificate: the root re-signs its CRL (root.crl.pem in the root's directory), which is
    copied beside the pinned root wherever trust lists are loaded; a list that publisher signed is refused there."""
    from keys.keeper import revoke_publisher as revoke
    from keys.revocation import CRL_FILE

    store = root_store(root_dir)
    crl, entry = revoke(store, serial, passphrase("root"), reason=reason, now=datetime.now(UTC))
    emit({"crl": str(store.directory / CRL_FILE), "crl_number": crl.number, "record_entries": entry,
          "revoked": [r.to_dict() for r in crl.entries.values()]},
         f"publisher certificate {serial.strip().lower()} revoked ({reason}); CRL number {crl.number} written to "
         f"{store.directory / CRL_FILE}: copy it beside root.cert.pem for every verifier, then certify a new "
         f"publisher key and publish a fresh trust list with it")


def crl_refresh(root_dir: RootDir = None) -> None:
    """Re-sign the root's CRL with the same entries, dated now, with the next CRL number: verifiers refuse a CRL whose
    next update is past (or, once they accepted one, none at all); copy the new root.crl.pem beside root.cert.pem."""
    from keys.keeper import refresh_crl
    from keys.revocation import CRL_FILE

    store = root_store(root_dir)
    crl = refresh_crl(store, passphrase("root"), now=datetime.now(UTC))
    assert crl.next_update is not None
    emit({"crl": str(store.directory / CRL_FILE), "crl_number": crl.number, "next_update": crl.next_update.isoformat(),
          "revoked": [r.to_dict() for r in crl.entries.values()]},
         f"CRL number {crl.number} ({len(crl.entries)} revoked) written to {store.directory / CRL_FILE}, next update "
         f"{crl.next_update:%Y-%m-%d %H:%M} UTC: copy it beside root.cert.pem for every verifier before then")


def issued(root_dir: RootDir = None) -> None:
    """Check the keeper's record (every entry signed by the root, chained to the one before, every kept certificate
    recorded) and list it with the root's CRL; an altered record is named entry by entry and fails."""
    from cryptography import x509

    from keys.keeper import revocations
    from keys.keeper_record import KeeperRecordTampered, check_record

    store = root_store(root_dir)
    root = x509.load_pem_x509_certificate(store.root_certificate_pem().encode("ascii"))
    check = check_record(store.directory, root)
    if check.problems:
        raise KeeperRecordTampered(check.problems)
    crl = revocations(store)
    rows = [{k: v for k, v in e.items() if k not in ("signature", "prev")} for e in check.entries]
    lines = [f"{e['seq']:>4} {e['at'][:19]} {e['action']:<9} serial {e['serial']}"
             + (f" {e.get('role')} {e.get('office') or ''} kid {e.get('kid')}" if e["action"] == "certified"
                else f" ({e.get('reason')}, CRL {e.get('crl_number')})") for e in rows]
    emit({"entries": rows, "crl_number": crl.number, "revoked": [r.to_dict() for r in crl.entries.values()]},
         "\n".join([f"the keeper's record in {store.directory}: {len(rows)} entries, every one signed by the root "
                     f"and chained; CRL number {crl.number}, {len(crl.entries)} revoked", *lines]))


def _read(path: Path) -> bytes:
    from ledger.errors import NotFound

    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no request file {path}") from None


def _write_new(path: Path, data: bytes) -> None:
    from ledger.errors import AlreadyExists

    try:
        with path.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise AlreadyExists(f"{path} already exists; choose another --out") from None
