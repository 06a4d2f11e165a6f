"""One verdict per verification, for the page and the JSON alike.

The checks come from signing.verify; this module only reads them: genuine and current,
superseded (by what, when, why), revoked (when, why), or not genuine (the first failed
check). Document fields carry the masked ID number only: a verdict never holds the
whole one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from ledger.domain import CHINA, ProofKind
from ledger.errors import RuleViolation
from ledger.identity import IdType
from ledger.reference import professional_lookup
from ledger.verification_record import VerificationRecord
from ledger.views import AuthorityView, CertificateView, ProofView
from signing.checks import Check, DocumentStatus, Outcome, Reason, reference_of

CURRENT, SUPERSEDED, REVOKED, NOT_GENUINE = Outcome.CURRENT, Outcome.SUPERSEDED, Outcome.REVOKED, Outcome.NOT_GENUINE

HEADLINES = {
    CURRENT: ("真实有效", "Genuine and current"),
    SUPERSEDED: ("已被替换", "Genuine, but superseded"),
    REVOKED: ("已撤销", "Genuine, but revoked"),
    NOT_GENUINE: ("验证未通过", "Not genuine"),
}

CHECK_LABELS = {
    "format": "文件格式", "token": "核验码", "signature": "电子签名", "chain": "证书链", "key_window": "密钥有效期",
    "recorded": "账本记录", "qr_token": "二维码", "status": "证书状态",
}

REPLACEMENT_REASONS = {
    "lost": ("遗失补发", "reissued after loss"),
    "overseas": ("境外就业换发", "exchanged for overseas employment"),
    "correction": ("错误信息修改换发", "exchanged to correct wrong data"),
    None: ("新证明替代", "replaced by a newer proof"),
}

KIND_LABELS = {"certificate": ("电子证书", "electronic certificate"),
               **{k.value: (k.label, f"{k.value.replace('-', ' ')} proof") for k in ProofKind}}


def _issuer(family: str, shown: AuthorityView) -> AuthorityView:
    """Who a verdict names as the issuing authority: for a professional document the province's personnel
    examination centre (seed 004: 省人事考试中心), not the city's skill office; a province whose table names no
    centre keeps the office on record."""
    if family != "professional" or shown.code.endswith("00"):
        return shown
    try:
        return AuthorityView.examination_centre(shown.code[:2])
    except RuleViolation:
        return shown


def _examination(family: str) -> dict[str, str] | None:
    """For a professional document: who provides the verification result and where it is looked up (seed 004
    三(一): 人力资源和社会保障部人事考试中心提供查询结果; 中国人事考试网证书查询验证系统)."""
    if family != "professional":
        return None
    national = professional_lookup()
    return {"result_provider": national.provider, "verification_mark": national.verification_mark,
            "lookup_site": national.site}


def _recorded_authority(code: str) -> AuthorityView:
    """The authority a read-model row names: a province's examination centre (xx00) or an office."""
    if code.endswith("00"):
        try:
            return AuthorityView.examination_centre(code[:2])
        except RuleViolation:
            pass
    return AuthorityView.of(code)


def _id_type_label(id_type: str) -> str:
    try:
        return IdType(id_type).label
    except ValueError:
        return id_type


def china_time(at: datetime | None) -> str:
    """A ledger instant as an office reads it: China time, to the minute."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(CHINA).isoformat(timespec="seconds") if at is not None else None


def check_label(check: Check) -> str:
    """A check's name in Chinese."""
    return CHECK_LABELS.get(check.name, check.name)


def check_dict(check: Check) -> dict[str, Any]:
    return {**check.to_dict(), "label": check_label(check)}


@dataclass(frozen=True)
class DocumentFacts:
    """What the page shows of a document: the template's fields, the ID number masked."""

    reference: str
    kind: str
    number: str
    certificate_number: str
    edition: int | None
    holder_name: str
    gender: str
    id_type: str
    id_number_masked: str
    occupation: str
    level: str
    result: str
    issue_date: str
    family: str
    remarks: tuple[str, ...]
    recorded_at: datetime
    authority: AuthorityView

    @classmethod
    def of(cls, view: CertificateView | ProofView | VerificationRecord) -> DocumentFacts:
        if isinstance(view, VerificationRecord):
            return cls.of_record(view)
        d = view.data
        id_type = _id_type_label(d.id_type)
        remarks: tuple[str, ...] = ()
        if isinstance(view, ProofView):
            kind, edition = view.kind_name, None
        else:
            kind, edition, remarks = "certificate", view.edition, view.remarks
        return cls(reference=str(reference_of(view)), kind=kind, number=view.number, certificate_number=d.number,
                   edition=edition,
                   holder_name=d.holder_name, gender=d.gender, id_type=id_type, id_number_masked=d.masked_id,
                   occupation=d.occupation, level=d.level, result=d.result, issue_date=d.issue_date, family=d.family,
                   remarks=tuple(remarks), recorded_at=view.issued_at,
                   authority=_issuer(d.family, view.authority))

    @classmethod
    def of_record(cls, r: VerificationRecord) -> DocumentFacts:
        """The same facts from the verification read model's row (ledger.verification_record)."""
        f = r.fields
        return cls(reference=r.reference, kind=r.kind, number=r.number, certificate_number=f["number"],
                   edition=r.edition, holder_name=f["holder_name"], gender=f["gender"],
                   id_type=_id_type_label(f["id_type"]), id_number_masked=r.id_number_masked,
                   occupation=f["occupation"], level=f["level"], result=f["result"], issue_date=f["issue_date"],
                   family=f["family"], remarks=r.remarks, recorded_at=r.recorded_at,
                   authority=_issuer(f["family"], _recorded_authority(r.authority)))

    @property
    def examination(self) -> dict[str, str] | None:
        """The examination authority's lookup and the result's provider, for professional documents."""
        return _examination(self.family)

    @property
    def kind_label(self) -> tuple[str, str]:
        return KIND_LABELS.get(self.kind, (self.kind, self.kind))

    @cached_property
    def _dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference, "kind": self.kind, "kind_label": self.kind_label[0], "number": self.number,
            "certificate_number": self.certificate_number, "edition": self.edition, "holder_name": self.holder_name,
            "gender": self.gender, "id_type": self.id_type, "id_number_masked": self.id_number_masked,
            "occupation": self.occupation, "level": self.level, "result": self.result, "issue_date": self.issue_date,
            "family": self.family, "remarks": list(self.remarks), "recorded_at": _iso(self.recorded_at),
            "authority": {k: getattr(self.authority, k) for k in ("code", "office", "phone", "address")},
            **({"examination": self.examination} if self.examination else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        return dict(self._dict)  # built once per document: a verdict page may be asked for many times


@dataclass(frozen=True)
class Successor:
    """The document that replaced a superseded one, and where its own status can be read."""

    reference: str
    state: str
    url: str | None  # the successor's verification page, when it has a signed document

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "state": self.state, "url": self.url}


@dataclass(frozen=True)
class Verdict:
    """The answer to one verification."""

    outcome: Outcome
    checks: tuple[Check, ...]
    document: DocumentFacts | None = None
    status: DocumentStatus | None = None
    successor: Successor | None = None
    log: dict[str, Any] | None = None  # the document's inclusion against the latest signed checkpoint

    @property
    def genuine(self) -> bool:
        return self.outcome != NOT_GENUINE

    @property
    def failed(self) -> Check | None:
        """The first failed check of a document that is not genuine (status is not a failure of genuineness)."""
        if self.genuine:
            return None
        return next((c for c in self.checks if not c.ok), None)

    @property
    def unreadable(self) -> bool:
        """A file that starts as a PDF but cannot be read: no document to judge (the API answers 422)."""
        failed = self.failed
        return failed is not None and failed.reason is Reason.MALFORMED

    @property
    def headline(self) -> tuple[str, str]:
        return HEADLINES[self.outcome]

    @property
    def reason(self) -> tuple[str, str]:
        """Why it was superseded, in Chinese and English."""
        key = self.status.superseded_reason if self.status else None
        return REPLACEMENT_REASONS.get(key, (key or "", key or ""))

    def summary(self) -> str:
        """One English line: what the verdict means."""
        s = self.status
        if self.outcome == CURRENT and s:
            return f"genuine and current: {s.number}"
        if self.outcome == SUPERSEDED and s:
            return f"genuine, but {s.number} was superseded by {s.superseded_by} on {china_time(s.superseded_at)} " \
                   f"({self.reason[1]})"
        if self.outcome == REVOKED and s:
            return f"genuine, but {s.number} was revoked on {china_time(s.revoked_at)}: {s.revoked_reason}"
        failed = self.failed
        return f"not genuine: {failed.name}: {failed.detail}" if failed else "not genuine"

    def to_dict(self) -> dict[str, Any]:
        s = self.status
        superseded = revoked = None
        if self.outcome == SUPERSEDED and s:
            superseded = {"by": s.superseded_by, "at": _iso(s.superseded_at), "reason": s.superseded_reason,
                          "reason_label": self.reason[0],
                          "successor": self.successor.to_dict() if self.successor else None}
        if self.outcome == REVOKED and s:
            revoked = {"at": _iso(s.revoked_at), "reason": s.revoked_reason}
        failed = self.failed
        return {
            "outcome": self.outcome.value, "genuine": self.genuine, "current": self.outcome == CURRENT,
            "headline": {"zh": self.headline[0], "en": self.headline[1]}, "summary": self.summary(),
            "failed_check": check_dict(failed) if failed else None,
            "document": self.document.to_dict() if self.document else None,
            "superseded": superseded, "revoked": revoked,
            "checks": [check_dict(c) for c in self.checks],
            "log": self.log,
        }
