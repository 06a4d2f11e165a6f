"""What a verdict needs of one document, as the verification read model keeps it (ledger.readmodel).

A `VerificationRecord` is a read view like `CertificateView` and `ProofView`, but only of what a
verification answer shows or checks: the status and what superseded or revoked the document, the
holder digest its tokens carry, its recorded signatures (token, key, signing time), and the document's
fields with the ID number masked. It never holds the whole ID number: the read model can sit in a
database a verification replica serves, beside events the cipher keeps unreadable.

It is derived from one aggregate (a certificate edition or a proof) and nothing else, so a row can be
written in the save's own transaction and rebuilt from the events alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from ledger.docref import DocumentReference
from ledger.documents import Certificate, Proof
from ledger.events import Status
from ledger.identity import mask_id
from ledger.records import ProofSuperseded
from ledger.values import CertificateData

_DIGEST_CONTEXT = b"certledger-holder-v1"  # signing.token's: tests hold the two digests equal
_DIGEST_START = hashlib.sha256(_DIGEST_CONTEXT)
_FIELDS = ("number", "holder_name", "gender", "id_type", "occupation", "level", "result", "issue_date", "family")


def holder_digest(document_number: str, holder_name: str, id_number: str) -> bytes:
    """The 16 bytes a token carries to bind the holder to the document (as signing.token computes them)."""
    h = _DIGEST_START.copy()  # the context hashed once; the three parts, each after a zero byte, in one update
    h.update(f"\x00{document_number}\x00{holder_name}\x00{id_number.upper()}".encode())
    return h.digest()[:16]


class SignedEntry(NamedTuple):
    """A recorded signature as a verification reads it: the token it carries, its key and signing time."""

    token: str
    key_id: str
    signed_at: datetime


@dataclass(frozen=True)
class VerificationRecord:
    reference: str  # a proof number, or certificate number#edition
    aggregate_id: str
    version: int  # the aggregate's version: its latest event is the one the log proves
    kind: str  # "certificate", or the proof's kind
    number: str
    edition: int | None
    status: str  # current / superseded / revoked
    superseded_by: str | None
    superseded_reason: str | None
    superseded_at: datetime | None
    revoked_reason: str | None
    revoked_at: datetime | None
    holder_digest: bytes
    fields: dict[str, str]  # the document's data a verdict shows: certificate number, holder name, ... (no ID)
    id_number_masked: str
    remarks: tuple[str, ...]
    authority: str  # the issuing authority's code
    recorded_at: datetime
    signatures: tuple[SignedEntry, ...]
    position: int | None = None  # the log leaf of (aggregate_id, version), when read beside the log
    leaf_hash: bytes | None = None
    leaf_record: bytes | None = None  # a scheme-2 leaf's public record (ledger.leaves): what a client rehashes
    # The log's stored subtree hashes beside the leaf's path ((level, index) -> hash), read with the row.
    path_nodes: dict[tuple[int, int], bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def is_proof(self) -> bool:
        return self.edition is None

    @property
    def key_id(self) -> str | None:
        return self.signatures[-1].key_id if self.signatures else None

    @property
    def signed_at(self) -> datetime | None:
        return self.signatures[-1].signed_at if self.signatures else None

    # ------------------------------------------------------------------ the row
    def payload(self) -> str:
        """Everything beyond the row's own columns, as JSON text (sorted keys: one text per record)."""
        return json.dumps(self.payload_value(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def payload_value(self) -> dict[str, Any]:
        """The payload as the JSON value its text holds (what `json.loads(payload())` gives)."""
        return {
            "kind": self.kind, "number": self.number, "edition": self.edition,
            "superseded_reason": self.superseded_reason, "superseded_at": _iso(self.superseded_at),
            "revoked_reason": self.revoked_reason, "revoked_at": _iso(self.revoked_at), "fields": self.fields,
            "id_number_masked": self.id_number_masked, "remarks": list(self.remarks), "authority": self.authority,
            "recorded_at": self.recorded_at.isoformat(),
            "signatures": [[s.token, s.key_id, s.signed_at.isoformat()] for s in self.signatures],
        }

    def row(self) -> tuple[Any, ...]:
        """(reference, aggregate_id, version, state, successor, holder_digest, key_id, signed_at, payload)."""
        return (*self.head(), self.payload())

    def head(self) -> tuple[Any, ...]:
        """The row's columns before its payload."""
        return (self.reference, self.aggregate_id, self.version, self.status, self.superseded_by, self.holder_digest,
                self.key_id, _iso(self.signed_at))

    @classmethod
    def from_row(cls, row: tuple[Any, ...], position: int | None = None, leaf_hash: bytes | None = None,
                 path_nodes: dict[tuple[int, int], bytes] | None = None,
                 leaf_record: bytes | None = None) -> VerificationRecord:
        reference, aggregate_id, version, state, successor, digest, _key, _at, payload = row[:9]
        p = orjson.loads(payload)  # a first scan reads one row: orjson parses its payload in a third of the time
        return cls(reference=reference, aggregate_id=aggregate_id, version=int(version), kind=p["kind"],
                   number=p["number"], edition=p["edition"], status=state, superseded_by=successor,
                   superseded_reason=p["superseded_reason"], superseded_at=_time(p["superseded_at"]),
                   revoked_reason=p["revoked_reason"], revoked_at=_time(p["revoked_at"]), holder_digest=bytes(digest),
                   fields=p["fields"], id_number_masked=p["id_number_masked"], remarks=tuple(p["remarks"]),
                   authority=p["authority"], recorded_at=datetime.fromisoformat(p["recorded_at"]),
                   signatures=tuple(SignedEntry(t, k, datetime.fromisoformat(a)) for t, k, a in p["signatures"]),
                   position=None if position is None else int(position),
                   leaf_hash=None if leaf_hash is None else bytes(leaf_hash), path_nodes=path_nodes,
                   leaf_record=None if leaf_record is None else bytes(leaf_record))


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def record_of(doc: Certificate | Proof) -> VerificationRecord:
    """The record of a certificate edition or a proof, from its aggregate alone."""
    sup, rev = doc.superseded, doc.revoked
    remarks: tuple[str, ...] = ()
    edition: int | None = None
    if isinstance(doc, Proof):
        reference = str(DocumentReference.proof(doc.number))
        kind = doc.kind
    else:
        reference = str(DocumentReference.certificate(doc.number, doc.edition))
        kind, edition, remarks = "certificate", doc.edition, tuple(doc.remarks)
    if isinstance(sup, ProofSuperseded):
        by: str | None = sup.by_number
    else:
        by = None if sup is None else str(DocumentReference.certificate(doc.number, sup.by_edition))
    d = doc.data
    return VerificationRecord(
        reference=reference, aggregate_id=str(doc.id), version=doc.version, kind=kind, number=doc.number,
        edition=edition, status=doc.status, superseded_by=by, superseded_reason=sup.reason if sup else None,
        superseded_at=sup.at if sup else None, revoked_reason=rev.reason if rev else None,
        revoked_at=rev.at if rev else None, holder_digest=holder_digest(reference, d.holder_name, d.id_number),
        fields=_shown(d), id_number_masked=d.masked_id, remarks=tuple(remarks),
        authority=d.authority, recorded_at=doc.issued_by.at,
        signatures=tuple(SignedEntry(s.token, s.key_id, s.signed_at) for s in doc.signatures),
    )


# The events after which a certificate is exactly its first edition as issued: current, nothing superseded,
# revoked, signed or remarked. Their record needs no aggregate (`issued_record`), which is what makes the
# audit's comparison of a million imported certificates affordable.
PLAIN_ISSUANCE = (Certificate.Issued, Certificate.Imported)


def issued_record(event: Certificate.Issued) -> VerificationRecord:
    """The record of a certificate whose one event is `event` (a PLAIN_ISSUANCE, exactly: not a reissue):
    what `record_of` gives for the aggregate that event creates, without making the aggregate."""
    return issued_record_of(str(event.originator_id), event.originator_version, event.data, event.edition, event.at)


def issued_record_of(aggregate_id: str, version: int, data: dict[str, Any], edition: int,
                     at: datetime) -> VerificationRecord:
    """`issued_record` from the event's values: its aggregate, version, data, edition and time."""
    d = CertificateData.from_event(data)
    reference = str(DocumentReference.certificate(d.number, edition))
    return VerificationRecord(
        reference=reference, aggregate_id=aggregate_id, version=version, kind="certificate", number=d.number,
        edition=edition, status=Status.CURRENT.value, superseded_by=None, superseded_reason=None,
        superseded_at=None, revoked_reason=None, revoked_at=None,
        holder_digest=holder_digest(reference, d.holder_name, d.id_number), fields=_shown(d),
        id_number_masked=d.masked_id, remarks=(), authority=d.authority, recorded_at=at, signatures=())


_DATA_FIELDS = frozenset(f.name for f in dataclasses.fields(CertificateData))
_CURRENT = Status.CURRENT.value


class IssuedRow:
    """What `issued_record_of` gives, as the audit compares it (`head()`, `payload_value()`, `row()`), made
    straight from the event's data dict: no `CertificateData`, no record object. Made only when the data holds
    exactly CertificateData's fields and its name, number and ID are text (`issued_row`); the values then
    are those `issued_record_of` computes, term for term (tests hold the two equal)."""

    __slots__ = ("_head", "_payload", "reference")

    def __init__(self, head: tuple[Any, ...], payload: dict[str, Any]) -> None:
        self._head, self._payload, self.reference = head, payload, head[0]

    def head(self) -> tuple[Any, ...]:
        return self._head

    def payload_value(self) -> dict[str, Any]:
        return self._payload

    def row(self) -> tuple[Any, ...]:
        return (*self._head, json.dumps(self._payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def issued_row(aggregate_id: str, version: int, data: dict[str, Any], edition: int,
               at: datetime) -> IssuedRow | None:
    """`issued_record_of`'s row, or None where only `issued_record_of` can say (a field missing or extra: the
    dataclass would fill a default or refuse; a name, number or ID that is no text: the digest would fail)."""
    if data.keys() != _DATA_FIELDS:
        return None
    number, name, id_number, id_type = data["number"], data["holder_name"], data["id_number"], data["id_type"]
    if type(number) is not str or type(name) is not str or type(id_number) is not str:
        return None
    reference = f"{number}#{edition}"
    head = (reference, aggregate_id, version, _CURRENT, None, holder_digest(reference, name, id_number), None, None)
    return IssuedRow(head, {
        "kind": "certificate", "number": number, "edition": edition, "superseded_reason": None,
        "superseded_at": None, "revoked_reason": None, "revoked_at": None,
        "fields": {f: str(data[f]) for f in _FIELDS}, "id_number_masked": mask_id(id_number, id_type),
        "remarks": [], "authority": data["authority"], "recorded_at": at.isoformat(), "signatures": []})


def _shown(d: CertificateData | Any) -> dict[str, str]:
    return {f: str(getattr(d, f)) for f in _FIELDS}
