"""What a signed document shows: built from a ledger read view, never from an aggregate.

The document handed to the holder prints the whole ID number: the X's of seed 000 附件1
(`370124XXXXXXXXXXXX`, as its name `XXX` and its phone `XXXX-XXXXXXXX`) are placeholders, and a
user of the proof must be able to match it to the person. Public surfaces (the verification
page, JSON answers, logs) read the ledger's views and keep masking it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.reference import examination_centre
from ledger.views import AuthorityView, CertificateView, ProofView

TITLES = {
    "written": "职业资格证书证明",  # seed 000 附件1: 职业资格证书证明（参考模版）
    "score-pass": "成绩合格证明",
    "qualification": "职业资格证明",
    "certificate": "职业资格证书",
}

# Seed 000 附件1, the fixed attestation of a written proof (书面证明): {event} is what happened to the
# certificate, {confirmation} what the proof vouches for, {lookup} where to look it up (the seed's last
# sentence, verbatim for Shandong: authorities.json `lookup_sentence`).
WRITTEN_ATTESTATION = (
    "兹证明上述证书持有人{event}，根据《人力资源社会保障部办公厅关于进一步做好技能人员职业资格证书"
    "发放管理有关工作的通知》（人社厅发〔2018〕42号）规定，证书持有人遗失证书申请补发或因境外就业申请换发证书，"
    "职业（工种）已移出《国家职业资格目录》的，不再补发或换发证书，改由原证书颁发机构出具书面证明。"
    "{confirmation}{lookup}"
)
WRITTEN_EVENTS = {
    "lost": "遗失所持有职业资格证书",  # seed 000 附件1, verbatim
    "overseas": "因境外就业申请换发所持有职业资格证书",
    "correction": "所持有职业资格证书原记载信息有误，申请更改",  # seed 001: 证书错误信息更改补证明
}
WRITTEN_CONFIRMATIONS = {
    "lost": "上述职业资格证书信息证明与原证书信息完全一致，真实有效。",  # seed 000 附件1, verbatim
    "overseas": "上述职业资格证书信息证明与原证书信息完全一致，真实有效。",
    "correction": "上述职业资格证书信息为经核实更正后的信息，真实有效。",
}
DEFAULT_LOOKUP = "如有疑问，可登录查询网址查询。"


def written_attestation(reason: str, lookup_sentence: str = "") -> str:
    """The written proof's attestation for a lost certificate, an overseas exchange or a correction."""
    return WRITTEN_ATTESTATION.format(event=WRITTEN_EVENTS[reason], confirmation=WRITTEN_CONFIRMATIONS[reason],
                                      lookup=lookup_sentence or DEFAULT_LOOKUP)


# The professional proofs' attestations; {basis} is the notice the centre's province issues them under (seed
# 004 is Shandong's, 鲁人社函〔2020〕24号: another province's centre cites none the seeds give).
SCORE_PASS_TEXT = (
    "兹证明上述人员参加{qualification}考试，成绩合格，取得相应职业资格。其证书补（换）发申请正在办理中，"
    "本证明在证书补（换）发期间作为考试合格的证明使用{basis}。"
)
QUALIFICATION_TEXT = (
    "兹证明上述人员已取得{qualification}职业资格。该职业资格已由国家取消，人力资源社会保障部不再受理相应证书的"
    "补换申请，特出具本证明{basis}。上述信息与证书数据库一致，真实有效。"
)
SCORE_PASS_ATTESTATION = SCORE_PASS_TEXT.replace("{basis}", "（鲁人社函〔2020〕24号）")  # Shandong's
QUALIFICATION_ATTESTATION = QUALIFICATION_TEXT.replace("{basis}", "（鲁人社函〔2020〕24号）")


@dataclass(frozen=True)
class DocumentContent:
    """Every field a rendered proof or electronic certificate prints."""

    kind: str  # written, score-pass, qualification, certificate
    number: str  # the document number: a proof number, or the certificate number for an e-certificate
    title: str
    family: str  # skill or professional
    holder_name: str
    gender: str
    id_number: str  # whole: the document is the holder's (public surfaces mask it, not this)
    certificate_number: str
    edition: int
    occupation: str  # 职业（工种）, or the qualification of a professional certificate
    level: str
    specialty: str
    theory_score: str
    practical_score: str
    review_score: str
    result: str
    issue_date: date  # 发证日期, or 批准日期
    authority_office: str
    authority_phone: str
    authority_address: str
    lookup_urls: tuple[str, ...]
    remarks: tuple[str, ...]
    attestation: str  # empty for an e-certificate
    document_date: date  # the date printed above the seal
    authority_department: str = ""  # 发证机构: the issuing 人力资源社会保障部门, whose seal the proof bears

    @classmethod
    def of(cls, view: CertificateView | ProofView, document_date: date) -> DocumentContent:
        data = view.data
        kind = "certificate" if isinstance(view, CertificateView) else view.kind_name
        # Professional documents name the examination authority and its lookup (中国人事考试网, seed 004 三); a
        # centre's proof carries it in its view already.
        issuer = (AuthorityView.examination_centre(data.authority[:2])
                  if data.family == "professional" and kind == "certificate" else view.authority)
        lookup = issuer.lookup_sentence if data.family == "professional" else ""
        if isinstance(view, ProofView):
            basis = examination_centre(data.authority[:2]).basis if kind != "written" else ""
            cited = {"qualification": data.occupation, "basis": f"（{basis}）" if basis else ""}
            attestation = {"written": written_attestation(view.reason or "lost", view.authority.lookup_sentence)
                           if kind == "written" else "",
                           "score-pass": SCORE_PASS_TEXT.format(**cited) + lookup,
                           "qualification": QUALIFICATION_TEXT.format(**cited) + lookup}[kind]
            remarks: tuple[str, ...] = ()
            edition = view.certificate_edition
        else:
            attestation, remarks, edition = "", view.remarks, view.edition

        def score(value: int | None) -> str:
            return "" if value is None else str(value)

        return cls(
            kind=kind, number=view.number, title=TITLES[kind], family=data.family, holder_name=data.holder_name,
            gender=data.gender, id_number=data.id_number, certificate_number=data.number, edition=edition,
            occupation=data.occupation, level=data.level, specialty=data.specialty,
            theory_score=score(data.theory_score), practical_score=score(data.practical_score),
            review_score=score(data.review_score), result=data.result, issue_date=data.issued_on,
            authority_office=issuer.office, authority_phone=issuer.phone,
            authority_address=issuer.address, lookup_urls=issuer.lookup_urls, remarks=remarks,
            attestation=attestation, document_date=document_date,
            authority_department=issuer.department,
        )

    @classmethod
    def placeholder(cls, kind: str, family: str) -> DocumentContent:
        """A document of this layout whose own data is one ASCII letter each: what a page prints for it is the
        layout's own text (signing.font_subsets seeds every page of the layout with those characters)."""
        attestation = {"written": written_attestation("lost"), "certificate": "",
                       "score-pass": SCORE_PASS_TEXT.format(qualification="X", basis=""),
                       "qualification": QUALIFICATION_TEXT.format(qualification="X", basis="")}[kind]
        day = date(2000, 1, 1)
        return cls(kind=kind, number="X", title=TITLES[kind], family=family, holder_name="X", gender="X",
                   id_number="X", certificate_number="X", edition=1, occupation="X", level="X", specialty="X",
                   theory_score="1", practical_score="1", review_score="1", result="X", issue_date=day,
                   authority_office="X", authority_phone="1", authority_address="X", lookup_urls=("x",),
                   remarks=("X",), attestation=attestation, document_date=day, authority_department="X")
