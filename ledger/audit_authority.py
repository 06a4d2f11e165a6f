"""Which office may do what an event records, as the audit of signed saves checks it (ledger.audit_saves).

The domain's rules, restated over the stored events so a row signed by a genuine credential of the wrong
office is named as a forgery:

- a document (certificate edition, proof): only its issuing authority, or the office serving it (one Jinan
  office for Jinan 01 and Laiwu 12), acts on it (谁发证谁负责); a provincial office (xx00) may import its
  province's certificates; the province's examination centre records its score-pass and qualification
  proofs on the province's certificates (seed 004 二(二));
- a service request: filed by the office acting for the issuing authority of the certificate it is about,
  then accepted, reviewed, referred, given materials, completed, delivered and given a photo by that office,
  or by the examination centre it was referred or forwarded to;
- a monthly reissue batch: imported by the provincial centre of the exporting city's province, which
  alone marks the city's requests forwarded (each city exports only its own requests: the export is a
  file, not an event, so what the ledger can hold to account is the import and the forwarding).

The state is built during the one pass, in store order: a document's authority from its first event, a
request's office from its `Applied`.
"""

from __future__ import annotations

from typing import Any

from ledger.batch import ReissueBatch
from ledger.documents import certificate_id, may_import
from ledger.events import topics_of
from ledger.reference import acts_for, is_examination_centre
from ledger.service_request import ServiceRequest

OTHER, DOCUMENT, IMPORT, REQUEST_FILED, REQUEST_STEP, FORWARDED, BATCH = range(7)  # what a topic's events do

_REQUEST_STEPS = (ServiceRequest.Accepted, ServiceRequest.Reviewed, ServiceRequest.Completed,
                  ServiceRequest.Delivered, ServiceRequest.PhotoAttached, ServiceRequest.MaterialAttached,
                  ServiceRequest.Referred)
_CENTRE_PROOFS = ("score-pass", "qualification")  # what the province's examination centre issues (seed 004)
_KINDS: dict[str, int] = {
    **{t: REQUEST_FILED for t in topics_of(ServiceRequest.Applied)},
    **{t: REQUEST_STEP for cls in _REQUEST_STEPS for t in topics_of(cls)},
    **{t: FORWARDED for t in topics_of(ServiceRequest.Forwarded)},
    **{t: BATCH for t in topics_of(ReissueBatch.Imported)},
}
_DOCUMENT_TOPICS = ("ledger.documents:", "ledger.proof:", "ledger.domain:Certificate", "ledger.domain:Proof",
                    "ledger.domain:Document")


def kind_of(topic: str) -> int:
    """What the events of `topic` do, for the authority rules."""
    if topic in _KINDS:
        return _KINDS[topic]
    if topic.startswith(_DOCUMENT_TOPICS):
        return IMPORT if topic.rsplit(":", 1)[-1].endswith(".Imported") else DOCUMENT
    return OTHER


def _key(originator_id: Any) -> Any:
    """One form for an aggregate id, whichever the store gives (SQLite: its hex text; else a UUID)."""
    return originator_id if isinstance(originator_id, str) else originator_id.hex


def _centre_of(office: str) -> str:
    return office[:2] + "00"


class Authorities:
    """Whose each document and request is, learnt in store order; each method returns a problem or None."""

    def __init__(self) -> None:
        self.documents: dict[Any, str] = {}  # a document's aggregate id -> its issuing authority
        self.requests: dict[Any, str] = {}  # a request's aggregate id -> the office it was filed with
        self.sent_to: dict[Any, str] = {}  # a request's aggregate id -> the centre it was referred or forwarded to

    def document(self, originator_id: Any, created: str | None, office: str, kind: int,
                 proof_kind: Any = None) -> str | None:
        key = _key(originator_id)
        if created is not None:
            self.documents[key] = created
        authority = created or self.documents.get(key)
        if authority is None or acts_for(office, authority) or (kind == IMPORT and may_import(office, authority)):
            return None
        if proof_kind in _CENTRE_PROOFS and is_examination_centre(office, authority):
            return None
        return f"office {office} had no authority here: the document's issuing authority is {authority}"

    def request(self, originator_id: Any, decoded: dict[str, Any], office: str, kind: int) -> str | None:
        """A service request's event, its state decoded."""
        key = _key(originator_id)
        if kind == REQUEST_FILED:
            number = decoded.get("certificate_number")
            issuer = self.documents.get(certificate_id(number, 1).hex) if isinstance(number, str) else None
            self.requests[key] = office
            if issuer is None:
                return f"a request about certificate {number}, which the ledger never recorded"
            if not acts_for(office, issuer):
                return (f"office {office} had no authority to file this request: certificate {number} was issued "
                        f"by {issuer} (谁发证谁负责)")
            return None
        filed = self.requests.get(key)
        if filed is None:
            return "an event of a request the ledger never recorded as filed"
        if kind == FORWARDED:
            if office != _centre_of(filed):
                return (f"office {office} had no authority to forward this request of {filed}: only the provincial "
                        f"centre {_centre_of(filed)} imports its province's batches")
            self.sent_to[key] = office
            return None
        if office == filed and isinstance(decoded.get("centre"), str):  # the city refers it to the centre
            self.sent_to[key] = decoded["centre"]
        if office != filed and office != self.sent_to.get(key):
            return f"office {office} had no authority here: the request belongs to office {filed}"
        return None

    @staticmethod
    def batch(decoded: dict[str, Any], office: str) -> str | None:
        city = decoded.get("city")
        if not isinstance(city, str) or office != _centre_of(city):
            return (f"office {office} had no authority to import the batch of {city}: only its provincial centre "
                    f"{_centre_of(str(city))} does")
        return None
