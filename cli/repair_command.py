"""`certledger audit repair`: list the rows no save logged; with --yes, bring them in as a recorded repair."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import emit, json_mode
from cli.wiring import actor, open_ledger


def audit_repair(
    only: Annotated[list[int] | None, typer.Option("--only", help="Only this notification id (repeatable).")]
    = None,
    yes: Annotated[bool, typer.Option("--yes", help="Bring the rows in (without it, only list them).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why these rows are genuine (required with "
                                               "--yes): the crash or restore they came from.")] = None,
) -> None:
    """Rows of the events table that no save logged (after a crash, or an insider's insert).

    Without --yes: list them, nothing written. With --yes --reason: one save records a LogRepair event
    naming every row, a SHA-256 over their stored records, who and why, and appends their leaves; `audit
    verify` then reports them as brought in by that repair. Never done by any other command."""
    from ledger.errors import InvalidInput

    ledger = open_ledger()
    rows = ledger.unlogged_rows()
    if only:
        rows = [r for r in rows if r.notification_id in set(only)]
    if not yes:
        listing = [r.to_dict() for r in rows]
        if json_mode():
            emit({"unlogged": listing, "written": False}, "")
            return
        for r in rows:
            emit(None, f"notification {r.notification_id}: {r.topic.rsplit(':', 1)[-1]} of {r.aggregate_id} "
                       f"version {r.version}")
        emit(None, f"{len(rows)} row(s) no save logged" + ("; to bring them in after a genuine crash: "
                                                          "certledger audit repair --yes --reason TEXT" if rows
                                                          else ": nothing to repair"))
        return
    if not reason or not reason.strip():
        raise InvalidInput("--reason", "required with --yes: say why these rows are genuine")
    record = ledger.repair_log(actor(), reason, only=list(only or ()))
    emit(record.to_dict(), f"repair {record.number}: brought {len(record.notification_ids)} row(s) into the log "
                           f"(notifications {', '.join(map(str, record.notification_ids))}; sha256 "
                           f"{record.rows_sha256[:16]}…) by {record.who()}")
