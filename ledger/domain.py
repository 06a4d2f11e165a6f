"""The certificate domain, by aggregate: ledger.documents (Document, Certificate, Proof),
ledger.service_request (ServiceRequest), ledger.signing_key (SigningKey, SignedFile) and
ledger.catalog (Catalog), over ledger.events (the base event, ids, China's calendar).

This module names them for code that imports them from here. Each aggregate module keeps the
topics its classes were stored under while they lived here (`ledger.domain:Certificate.Issued` …):
stores written then still load, and topic queries still find those events.
"""

from ledger.catalog import CATALOG_ID, Catalog, CatalogVersion
from ledger.documents import (
    Certificate,
    Document,
    HandoverKind,
    Proof,
    ProofKind,
    Replacement,
    certificate_id,
    proof_id,
)
from ledger.events import CHINA, NAMESPACE, Acted, Status, china_date, topics_of
from ledger.service_request import RequestKind, RequestStage, ServiceRequest, request_id
from ledger.signing_key import SignedFile, SigningKey, key_may_sign_at, signed_file_id, signing_key_id

__all__ = [
    "CATALOG_ID", "CHINA", "NAMESPACE", "Acted", "Catalog", "CatalogVersion", "Certificate", "Document",
    "HandoverKind", "Proof", "ProofKind", "Replacement", "RequestKind", "RequestStage", "ServiceRequest",
    "SignedFile", "SigningKey", "Status", "certificate_id", "china_date", "key_may_sign_at", "proof_id",
    "request_id", "signed_file_id", "signing_key_id", "topics_of",
]
