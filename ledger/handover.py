"""Validation of handover details (领取/发放/送达, seeds 003 and 004).

What a handover records per kind:
- in person: the holder shows the ID card or social security card original (seed 000 三(一)); the
  number must match the holder's;
- institution: the contact letter (batch number, occupation, level, head count) and the
  sign-off receipt (certificates and rosters received, signer, phone, date);
- delegate: the delegate's ID and a power of attorney (scan required), the delegate's ID copy;
- mail: carrier, tracking number, address, recipient (postage paid on delivery by default).
ID numbers are kept masked in the ledger's handover record: the check is what matters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ledger.documents import HandoverKind
from ledger.errors import InvalidInput, RuleViolation
from ledger.identity import IdDocument, ShownDocument
from ledger.values import CertificateData, Family, parse_date, parse_level, parse_text

EVIDENCE_KINDS = ("scan", "signature", "id-card", "id-copy", "holder-id-copy", "contact-letter", "receipt",
                  "power-of-attorney", "photo")
# seed 004 一(一): 考生现场领取的，要积极利用省厅配发的高拍仪、电子签名板、身份证阅读器等硬件设备留存领证电子材料
ON_SITE_EVIDENCE = ("scan", "signature", "id-card")
_PHONE = re.compile(r"\+?[0-9][0-9-]{6,19}")
_TRACKING = re.compile(r"[A-Z0-9]{8,30}")


def _phone(raw: Mapping[str, Any], field: str, required: bool = True) -> str:
    text = parse_text(raw.get(field), field, max_len=24, required=required)
    if text and not _PHONE.fullmatch(text):
        raise InvalidInput(field, "a phone number: digits and hyphens, 7-20 characters")
    return text


def _count(raw: Mapping[str, Any], field: str) -> int:
    text = str(raw.get(field) or "").strip()
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(field, "a whole number of at least 1")
    return int(text)


def parse_handover(kind: HandoverKind, raw: Mapping[str, Any], documents: Sequence[CertificateData],
                   evidence_kinds: Sequence[str]) -> dict[str, Any]:
    """Validated details for one handover of `documents` (several only for an institution)."""
    for ek in evidence_kinds:
        if ek not in EVIDENCE_KINDS:
            raise InvalidInput("evidence", f"unknown evidence kind {ek!r}; one of {', '.join(EVIDENCE_KINDS)}")
    if kind is not HandoverKind.INSTITUTION and len(documents) != 1:
        raise InvalidInput("numbers", f"a {kind.value} handover is for one document; "
                                      "several go to an institution with a contact letter")
    return _PARSERS[kind](raw, documents, evidence_kinds)


def _in_person(raw: Mapping[str, Any], documents: Sequence[CertificateData],
               evidence_kinds: Sequence[str]) -> dict[str, Any]:
    holder = documents[0]
    shown = ShownDocument.parse(str(raw.get("id_document") or ""))
    doc = IdDocument.parse(str(raw.get("id_type") or holder.id_type), str(raw.get("id_number") or ""))
    shown.check_type(doc.type)
    if (doc.type.value, doc.number) != (holder.id_type, holder.id_number):
        raise RuleViolation("in-person-id-must-match",
                            f"the {shown.label} shown is not the holder's: hand over only to the holder in person, "
                            "or record a delegate with a power of attorney")
    if holder.family == Family.PROFESSIONAL and not set(evidence_kinds) & set(ON_SITE_EVIDENCE):
        raise InvalidInput("evidence", "an on-site pickup of a professional certificate keeps electronic evidence "
                                       "(高拍仪 scan, 电子签名板 signature or 身份证阅读器 id-card, seed 004 一(一))")
    details = {"recipient": holder.holder_name, "id_checked": True, "id_masked": doc.masked}
    if shown is ShownDocument.SOCIAL_SECURITY_CARD:  # the ID card is the default, recorded as before
        details["id_document"] = shown.value
    return details


def _delegate(raw: Mapping[str, Any], documents: Sequence[CertificateData],
              evidence_kinds: Sequence[str]) -> dict[str, Any]:
    doc = IdDocument.parse(str(raw.get("id_type") or "resident"), str(raw.get("id_number") or ""))
    if doc.number == documents[0].id_number:
        raise InvalidInput("id_number", "the delegate is the holder: record an in-person handover")
    # seed 003 (六) 受委托人身份证复印件、委托书原件; its flowchart: 委托人及被委托人身份证原件、委托人委托书
    for needed in ("power-of-attorney", "id-copy", "holder-id-copy"):
        if needed not in evidence_kinds:
            raise InvalidInput("evidence", f"a delegate handover needs a {needed} scan (seed 003)")
    return {"delegate": parse_text(raw.get("name"), "name", max_len=50),
            "id_masked": doc.masked, "id_checked": True, "phone": _phone(raw, "phone", required=False)}


def _mail(raw: Mapping[str, Any], documents: Sequence[CertificateData],
          evidence_kinds: Sequence[str]) -> dict[str, Any]:
    carrier = parse_text(raw.get("carrier") or "EMS", "carrier", max_len=20)
    tracking = parse_text(raw.get("tracking_number"), "tracking_number", max_len=30).upper()
    if not _TRACKING.fullmatch(tracking):
        raise InvalidInput("tracking_number", "8-30 letters or digits, as the carrier prints it")
    postage = str(raw.get("postage") or "collect").strip()
    if postage not in ("collect", "prepaid"):
        raise InvalidInput("postage", "collect (到付) or prepaid")
    return {"carrier": carrier, "tracking_number": tracking,
            "address": parse_text(raw.get("address"), "address", max_len=200),
            "recipient": parse_text(raw.get("recipient") or documents[0].holder_name, "recipient", max_len=50),
            "phone": _phone(raw, "phone", required=False), "postage": postage}


def _institution(raw: Mapping[str, Any], documents: Sequence[CertificateData],
                 evidence_kinds: Sequence[str]) -> dict[str, Any]:
    """The contact letter and the sign-off receipt."""
    occupation = parse_text(raw.get("occupation"), "occupation")
    level = parse_level(str(raw.get("level") or ""), Family(documents[0].family))
    head_count = _count(raw, "head_count")
    received = _count(raw, "certificates_received")
    if received != len(documents):
        raise InvalidInput("certificates_received",
                           f"the receipt says {received} but {len(documents)} document(s) are handed over")
    if received > head_count:
        raise InvalidInput("certificates_received", f"more than the contact letter's head count ({head_count})")
    for d in documents:
        if d.occupation != occupation or d.level != level:
            raise RuleViolation("contact-letter-must-match",
                                f"certificate {d.number} is {d.occupation} {d.level}; "
                                f"the contact letter names {occupation} {level}")
    agent = IdDocument.parse(str(raw.get("agent_id_type") or "resident"), str(raw.get("agent_id_number") or ""),
                             field="agent_id_number")
    return {**_letter_and_officer(raw),
        "institution": parse_text(raw.get("institution"), "institution", max_len=100),
        "contact_letter": {"batch_number": parse_text(raw.get("batch_number"), "batch_number", max_len=40),
                           "occupation": occupation, "level": level, "head_count": head_count},
        "agent": parse_text(raw.get("agent_name"), "agent_name", max_len=50),
        "agent_id_masked": agent.masked,
        "receipt": {"certificates_received": received,
                    "rosters_received": _count(raw, "rosters_received") if raw.get("rosters_received") else 0,
                    "signer": parse_text(raw.get("signer"), "signer", max_len=50),
                    "phone": _phone(raw, "signer_phone"),
                    "date": parse_date(str(raw.get("receipt_date") or ""), "receipt_date").isoformat()},
    }


def _letter_and_officer(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The contact letter's date (联系单 年月日) and the office's handling officer (签收单 经办人员), where given."""
    out: dict[str, Any] = {}
    if raw.get("letter_date"):
        out["letter_date"] = parse_date(str(raw["letter_date"]), "letter_date").isoformat()
    if raw.get("officer"):
        out["officer"] = {"name": parse_text(raw.get("officer"), "officer", max_len=50),
                          "phone": _phone(raw, "officer_phone", required=False)}
    return out


_Parser = Callable[[Mapping[str, Any], Sequence[CertificateData], Sequence[str]], dict[str, Any]]
_PARSERS: dict[HandoverKind, _Parser] = {HandoverKind.IN_PERSON: _in_person, HandoverKind.DELEGATE: _delegate,
                                         HandoverKind.MAIL: _mail, HandoverKind.INSTITUTION: _institution}
