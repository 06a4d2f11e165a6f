"""A loaded province's authority table at set-up (seed 003: Zhejiang's offices have no shipped table).

`certledger init --authority-table FILE` cannot record the table first (recording needs a credential of the
province's office, which needs the office's key, which needs the office known): the table is checked and
registered before anything is made, and recorded with the office's first credential. Where the key waits for
the root's keeper, the table waits beside it in the home (`authority-table.pending.json`) and `keys install`
records it; the keeper is given the same file (`keys certify --authority-table FILE`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.params import json_object_file
from cli.wiring import settings

if TYPE_CHECKING:
    from ledger.application import Actor, CertLedger

PENDING = "authority-table.pending.json"


def read_for(office: str, file: Path) -> dict[str, Any]:
    """The table in `file`, checked and registered for this process; refuses a table of another province than
    the office's (nothing written)."""
    from ledger.errors import RuleViolation
    from ledger.reference import register_authority_table

    content = json_object_file(file, "code, name and cities")
    province = register_authority_table(content)
    if office[:2] != province:
        raise RuleViolation("authority-table-own-province",
                            f"office {office} is set up with its own province's table, not {province}'s")
    return content


def keep_pending(table: dict[str, Any]) -> Path:
    """Keep the table beside the pending key until `keys install` records it."""
    path = settings().home / PENDING
    path.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


def register_pending() -> dict[str, Any] | None:
    """Register the table waiting in this home, if any (before the office's key is requested or installed)."""
    from ledger.reference import register_authority_table

    path = settings().home / PENDING
    if not path.is_file():
        return None
    table: dict[str, Any] = json.loads(path.read_text("utf-8"))
    register_authority_table(table)
    return table


def know(office: str) -> None:
    """Make the office's province known before the office is named to anything that checks it: the table
    waiting in this home, else the tables this home's ledger recorded (a second office of a loaded province)."""
    from ledger.reference import authorities

    if office in authorities() or register_pending() is not None and office in authorities():
        return
    s = settings()
    if s.store != "sqlite" or s.sqlite_file.is_file():
        from cli.wiring import open_ledger

        open_ledger()  # opening registers every recorded table (ledger.pickups.register_loaded_tables)


def record(ledger: CertLedger, who: Actor, table: dict[str, Any]) -> bool:
    """Record the table with the office's credential; False when this ledger holds it already (the same table:
    a second office of the province in this home). A different table of the same province is refused."""
    import hashlib

    from eventsourcing.application import AggregateNotFoundError

    from ledger.errors import RuleViolation
    from ledger.pickups import AuthorityTable, table_id

    province = str(table["code"])
    try:
        held: AuthorityTable = ledger.repository.get(table_id(province))
    except AggregateNotFoundError:
        ledger.load_authority_table(who, table)
        (settings().home / PENDING).unlink(missing_ok=True)
        return True
    digest = hashlib.sha256(json.dumps(json.loads(json.dumps(table, ensure_ascii=False)), ensure_ascii=False,
                                       sort_keys=True).encode()).hexdigest()
    if digest != held.sha256:
        raise RuleViolation("authority-table-loaded", f"the authority table of province {province} is already "
                                                      "loaded here, with other content")
    (settings().home / PENDING).unlink(missing_ok=True)
    return False
