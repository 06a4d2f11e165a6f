"""Read views: what queries return. Plain frozen values, never aggregates.

`to_dict()` gives JSON-safe output with ID numbers masked; only `reveal=True`
(an office operator's explicit request) shows them whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger.identity import mask_id
from ledger.records import (
    Correction,
    Delivery,
    EditionSuperseded,
    ProofEntry,
    ProofSuperseded,
    RequestStep,
    Review,
    Revocation,
    Signature,
)
from ledger.reference import authority, examination_centre
from ledger.signing_key import key_may_sign_at as key_may_sign_at  # the rule lives with the key; verifiers read it here
from ledger.values import CertificateData


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return value.to_dict() if value is not None else None  # type: ignore[no-any-return]


def _signatures(signatures: tuple[Signature, ...]) -> list[dict[str, Any]]:
    """The signatures without their tokens: a token is the QR code's secret half, shown only on the document."""
    return [{k: v for k, v in sig.to_dict().items() if k != "token"} for sig in signatures]


def data_dict(data: CertificateData, reveal: bool = False) -> dict[str, Any]:
    out = data.to_event()
    if not reveal:
        out["id_number"] = data.masked_id
    return out


def corrections_dict(corrections: tuple[Correction, ...], reveal: bool) -> list[dict[str, Any]]:
    """Each changed field's old and new value, ID numbers masked unless revealed."""
    return [{**c.to_dict(), "old": mask_id(str(c.old)), "new": mask_id(str(c.new))}
            if c.field == "id_number" and not reveal else c.to_dict() for c in corrections]


@dataclass(frozen=True)
class AuthorityView:
    code: str
    office: str
    phone: str
    address: str
    province: str
    area: str
    lookup_urls: tuple[str, ...] = ()
    department: str = ""  # 发证机构: the issuing 人力资源社会保障部门 (seed 000 附件1)
    hours: str = ""  # office hours, where a seed gives them
    lookup_sentence: str = ""  # the written proof's last sentence (seed 000 附件1)

    @classmethod
    def of(cls, code: str) -> AuthorityView:
        a = authority(code)
        return cls(a.code, a.office, a.phone, a.address, a.province, a.area, a.lookup_urls, a.department,
                   a.hours, a.lookup_sentence)

    @classmethod
    def examination_centre(cls, province: str) -> AuthorityView:
        """The province's personnel examination centre, as professional documents name it (seed 004)."""
        c = examination_centre(province)
        p = authority(c.code)
        return cls(c.code, c.office, c.phone, c.address, p.province, c.unit, c.lookup_urls, c.department, "",
                   c.lookup_sentence)

    def to_dict(self) -> dict[str, Any]:
        """The office's contact data, and its hours where known (documents answer as they did before)."""
        keys = ("code", "office", "phone", "address", "province", "area", "lookup_urls")
        out: dict[str, Any] = _jsonable({k: getattr(self, k) for k in keys})
        if self.hours:
            out["hours"] = self.hours
        return out


@dataclass(frozen=True)
class CertificateView:
    id: UUID
    number: str
    edition: int
    status: str
    data: CertificateData
    authority: AuthorityView
    issued_at: datetime
    issued_by: str
    remarks: tuple[str, ...]
    replacement: str | None  # lost / overseas / correction, for edition > 1
    replaces_edition: int | None
    superseded: EditionSuperseded | None
    revoked: Revocation | None
    corrections: tuple[Correction, ...]
    catalog_version: str | None
    proofs: tuple[ProofEntry, ...]
    handover_count: int
    editions: int = 1
    signatures: tuple[Signature, ...] = ()

    @property
    def kind(self) -> str:
        return "certificate"

    def to_dict(self, reveal: bool = False) -> dict[str, Any]:
        corrections = corrections_dict(self.corrections, reveal)
        return _jsonable({
            "kind": "certificate", "id": self.id, "number": self.number, "edition": self.edition,
            "editions": self.editions, "status": self.status, "data": data_dict(self.data, reveal),
            "authority": self.authority.to_dict(), "issued_at": self.issued_at, "issued_by": self.issued_by,
            "remarks": list(self.remarks), "replacement": self.replacement,
            "replaces_edition": self.replaces_edition, "superseded": _dict_or_none(self.superseded),
            "revoked": _dict_or_none(self.revoked), "corrections": corrections, "catalog_version": self.catalog_version,
            "proofs": [p.to_dict() for p in self.proofs], "handover_count": self.handover_count,
            "signatures": _signatures(self.signatures),
        })


@dataclass(frozen=True)
class ProofView:
    id: UUID
    number: str
    kind_name: str
    reason: str
    status: str
    certificate_number: str
    certificate_edition: int
    data: CertificateData
    authority: AuthorityView
    issued_at: datetime
    issued_by: str
    catalog_version: str | None
    request_number: str
    superseded: ProofSuperseded | None
    revoked: Revocation | None
    handover_count: int
    signatures: tuple[Signature, ...] = ()
    corrections: tuple[Correction, ...] = ()  # a correction proof's changes (seed 001: 错误信息更改补证明)

    @property
    def kind(self) -> str:
        return "proof"

    def to_dict(self, reveal: bool = False) -> dict[str, Any]:
        return _jsonable({
            "kind": "proof", "id": self.id, "number": self.number, "proof_kind": self.kind_name,
            "reason": self.reason, "status": self.status, "certificate_number": self.certificate_number,
            "certificate_edition": self.certificate_edition, "data": data_dict(self.data, reveal),
            "authority": self.authority.to_dict(), "issued_at": self.issued_at, "issued_by": self.issued_by,
            "catalog_version": self.catalog_version, "request_number": self.request_number,
            "superseded": _dict_or_none(self.superseded), "revoked": _dict_or_none(self.revoked),
            "handover_count": self.handover_count, "signatures": _signatures(self.signatures),
            # only on a correction proof: a proof from an older store answers as it did
            **({"corrections": corrections_dict(self.corrections, reveal)} if self.corrections else {}),
        })


@dataclass(frozen=True)
class EventView:
    """One recorded event, for `history`: what happened, to which document, who, when."""

    document: str
    version: int
    type: str
    at: datetime
    operator: str
    office: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self.__dict__)


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    sha256: str
    name: str
    state: str  # ok / missing / changed

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    evidence: tuple[EvidenceView, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({"at": self.at, "what": self.what, "evidence": [e.to_dict() for e in self.evidence]})


@dataclass(frozen=True)
class WhereView:
    """Where a document is now, and how it got there."""

    document: str
    status: str
    custody: str  # office / holder / delegate / institution / in-transit
    location: str
    since: datetime
    trail: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def evidence_ok(self) -> bool:
        return all(e.state == "ok" for s in self.trail for e in s.evidence)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({"document": self.document, "status": self.status, "custody": self.custody,
                          "location": self.location, "since": self.since, "evidence_ok": self.evidence_ok,
                          "trail": [s.to_dict() for s in self.trail]})


@dataclass(frozen=True)
class RequestView:
    number: str
    kind: str
    certificate_number: str
    office: str
    applicant: str
    channel: str
    stage: str
    applied_on: date
    due: date | None
    provisional_due: bool
    overdue: bool
    review: Review | None
    result_number: str | None
    steps: tuple[RequestStep, ...]
    process: str = ""  # the time limits' process in policies.json ("" for requests from older stores)
    promised: date | None = None  # 承诺办结时限 of the whole request, where the process promises one
    legal_limit: date | None = None  # 法定办结时限, where one applies (seed 002: 3 months)
    past_legal_limit: bool = False
    id_shown: str = ""  # at the window: id-card or social-security-card (seed 000 三(一)); "" if none recorded
    related: str = ""  # the request filed with it (a score-pass request's reissue request)
    referred_to: str = ""  # the examination centre the city sent it on to, outside the batch
    delivery: Delivery | None = None  # shown where a handover delivered it (NUMBER#n)

    def to_dict(self) -> dict[str, Any]:
        # The time limits' fields (and the ID shown) only where they apply: an older store answers as it did.
        limits: dict[str, Any] = {"process": self.process} if self.process else {}
        limits.update({k: getattr(self, k) for k in ("related", "referred_to") if getattr(self, k)})
        if self.delivery is not None and self.delivery.handover:
            limits["delivery"] = self.delivery.to_dict()
        if self.promised is not None:
            limits["promised"] = self.promised
        if self.legal_limit is not None:
            limits.update(legal_limit=self.legal_limit, past_legal_limit=self.past_legal_limit)
        if self.id_shown:
            limits["id_shown"] = self.id_shown
        plain = {k: v for k, v in self.__dict__.items()
                 if k not in ("process", "promised", "legal_limit", "past_legal_limit", "id_shown", "related",
                              "referred_to", "delivery")}
        return _jsonable({**plain, **limits, "review": _dict_or_none(self.review),
                          "steps": [s.to_dict() for s in self.steps]})


@dataclass(frozen=True)
class ImportReport:
    source: str
    rows: int
    imported: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def key_status(retired_at: datetime | None, compromised_at: datetime | None) -> str:
    """active, retired (stopped signing; its documents stay valid) or revoked (compromised)."""
    if compromised_at is not None:
        return "revoked"
    return "retired" if retired_at is not None else "active"


@dataclass(frozen=True)
class SigningKeyView:
    """A signing key as the ledger records it: what a trust list publishes."""

    kid: str
    office: str
    algorithm: str
    public_key_pem: str
    certificate_pem: str
    not_before: datetime
    not_after: datetime
    registered_at: datetime
    retired_at: datetime | None
    compromised_at: datetime | None
    revocation_reason: str | None

    @property
    def status(self) -> str:
        return key_status(self.retired_at, self.compromised_at)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable({**self.__dict__, "status": self.status})


@dataclass(frozen=True)
class SignedFileView:
    """A signed file found by its SHA-256: which document it renders, which key, when (ledger time)."""

    sha256: str
    document_number: str  # a proof number, or certificate number#edition
    key_id: str
    signed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self.__dict__)
