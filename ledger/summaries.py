"""Event summaries for `history` and custody sentences for `where`: one line of English per event,
chosen by the event's class (a subclass without its own entry reads as its nearest base's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ledger.documents import Certificate, Document, HandoverKind, Proof, ProofKind
from ledger.service_request import ServiceRequest
from ledger.views import EventView


def custody(kind: str, d: Mapping[str, Any]) -> tuple[str, str]:
    """(custody, location) after a handover of `kind` with details `d`."""
    if kind == HandoverKind.IN_PERSON:
        shown = " on the social security card" if d.get("id_document") == "social-security-card" else ""
        return "holder", f"with the holder {d['recipient']} (ID {d['id_masked']}{shown} checked)"
    if kind == HandoverKind.DELEGATE:
        return "delegate", f"with the delegate {d['delegate']} (ID {d['id_masked']}, power of attorney)"
    if kind == HandoverKind.MAIL:
        return "in-transit", f"sent by {d['carrier']} {d['tracking_number']} to {d['recipient']}, {d['address']}"
    letter = d["contact_letter"]
    return "institution", (f"with {d['institution']} (batch {letter['batch_number']}, "
                           f"receipt signed by {d['receipt']['signer']} on {d['receipt']['date']})")


def _replaced(e: Any) -> str:
    return _with_corrections(f"edition {e.edition}: {e.remark}", e)


def _proof_recorded(e: Any) -> str:
    return _with_corrections(f"{ProofKind(e.kind).label} recorded for certificate {e.certificate_number} "
                             f"edition {e.certificate_edition} (catalog {e.catalog_version or '-'})", e)


def _with_corrections(text: str, e: Any) -> str:
    for c in getattr(e, "corrections", None) or []:
        old, new = c["old"], c["new"]
        if c["field"] == "id_number":
            old, new = "…" + str(old)[-2:], "…" + str(new)[-2:]
        text += f"; {c['field']}: {old} -> {new}"
    return text


def _handed_over(e: Any) -> str:
    label = custody(e.kind, e.details)[1]
    return f"{HandoverKind(e.kind).label}: {label}; evidence {len(e.evidence)} file(s)"


def _request_stage(e: Any) -> str:
    stage = type(e).__qualname__.split(".", 1)[1].lower()
    result = e.__dict__.get("result_number")
    return stage + (f" -> {result}" if result else "")


SUMMARIES: dict[type, Callable[[Any], str]] = {
    Certificate.Issued: lambda e: f"issued edition {e.edition}",
    Certificate.Imported: lambda e: f"issued edition 1 (imported from {e.source})",
    Certificate.Reissued: _replaced,  # and its subclasses Exchanged and Corrected
    Certificate.Superseded: lambda e: f"superseded by edition {e.by_edition} ({e.reason})",
    Certificate.ProofRecorded: lambda e: f"{ProofKind(e.kind).label} {e.proof_number} recorded",
    Proof.Recorded: _proof_recorded,
    Proof.Superseded: lambda e: f"superseded by {e.by_number}",
    Document.HandedOver: _handed_over,
    Document.Revoked: lambda e: f"revoked: {e.reason}",
    ServiceRequest.Forwarded: lambda e: f"forwarded in batch {e.batch}: {e.file_name}, row {e.row}",
    ServiceRequest.PhotoAttached: lambda e: f"photo attached (sha256 {str(e.sha256)[:12]}…)",
    ServiceRequest.Reviewed: lambda e: "approved" if e.approved else f"rejected: {e.reason}",
    ServiceRequest.Applied: _request_stage,
    ServiceRequest.Accepted: _request_stage,
    ServiceRequest.Completed: _request_stage,
    ServiceRequest.Delivered: _request_stage,
}


def summary(event: Any) -> str:
    for cls in type(event).__mro__:
        describe = SUMMARIES.get(cls)
        if describe is not None:
            return describe(event)
    return event_type(event)


# Events that moved keep the name history has always shown for them.
SHOWN_AS: dict[type, str] = {ServiceRequest.Forwarded: "Forwarded", ServiceRequest.PhotoAttached: "PhotoAttached"}


def event_type(event: Any) -> str:
    """The event's name as history shows it: its class's qualified name."""
    return SHOWN_AS.get(type(event)) or type(event).__qualname__


def event_time(event: Any) -> datetime:
    """When the ledger recorded it: the command's time where the event carries one."""
    return event.__dict__.get("at") or event.timestamp  # type: ignore[no-any-return]


def event_view(label: str, event: Any) -> EventView:
    return EventView(label, event.originator_version, event_type(event), event_time(event),
                     event.__dict__.get("operator", ""), event.__dict__.get("office", ""), summary(event))
