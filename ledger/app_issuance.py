"""Issuance: the catalog it works with, issuing and importing certificates, replacing editions, revoking."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from ledger import bulk
from ledger.app_base import Actor
from ledger.app_requests import RequestWorkflow
from ledger.catalog import CATALOG_ID, Catalog
from ledger.documents import Certificate, Replacement, certificate_id
from ledger.errors import AlreadyExists, Conflict, InvalidInput, RuleViolation
from ledger.projections import certificate_view, document_view
from ledger.reference import abolished_qualification, default_catalog
from ledger.save_signing import check_actor
from ledger.service_request import RequestKind
from ledger.values import CertificateData, Family, parse_text
from ledger.views import CertificateView, ProofView

REQUEST_FOR = {Replacement.LOST: RequestKind.REISSUE, Replacement.OVERSEAS: RequestKind.EXCHANGE,
               Replacement.CORRECTION: RequestKind.CORRECT}


class Issuance(RequestWorkflow):
    # ---------------------------------------------------------------- catalog
    def load_catalog(self, actor: Actor, content: Mapping[str, Any]) -> str:
        """Load a catalog version ({"version", "title", "occupations"}); returns the version."""
        version = parse_text(content.get("version"), "version", max_len=40)
        occupations = content.get("occupations")
        if not isinstance(occupations, list) or not all(isinstance(o, str) for o in occupations):
            raise InvalidInput("occupations", "a list of occupation names")
        digest = hashlib.sha256(json.dumps(sorted(occupations), ensure_ascii=False).encode()).hexdigest()
        try:
            catalog: Catalog = self.repository.get(CATALOG_ID)
        except AggregateNotFoundError:
            catalog = Catalog.start()
        catalog.load(version, str(content.get("title") or ""), occupations, digest, actor.operator,
                     actor.office, self.now())
        self._save(catalog)
        return version

    def ensure_default_catalog(self, actor: Actor) -> str | None:
        """Load the shipped catalog if none is loaded; returns its version if loaded now."""
        try:
            self.repository.get(CATALOG_ID)
            return None
        except AggregateNotFoundError:
            return self.load_catalog(actor, default_catalog())

    # ------------------------------------------------------------------ issue
    def issue(self, actor: Actor, fields: Mapping[str, Any]) -> CertificateView:
        data = parse_certificate_for(actor, fields)
        cert = Certificate.issue(data, actor.operator, actor.office, self.now())
        self._save(cert, duplicate=f"certificate {data.number} is already issued")
        return certificate_view(cert)

    def import_many(self, actor: Actor, datas: Sequence[CertificateData], source: str,
                    on_built: Callable[[int], None] | None = None) -> int:
        """Record many validated issuances in ONE atomic save: a whole import file, or nothing."""
        at = self.now()
        events: list[Any] = []  # keep only the events: the aggregates would double the memory of a large file
        for i, data in enumerate(datas):
            events += Certificate.import_record(data, source, actor.operator, actor.office, at).collect_events()
            if on_built is not None and i % 1000 == 999:
                on_built(1000)
        check_actor(self.signer, events[:1])  # every event names the same actor
        try:
            # One transaction, the rows save() would store, without save()'s per-object checks; numbers
            # already issued: AlreadyExists naming them. (The library's PostgreSQL put stalls past ~8 MB.)
            with self.staging_imported(events):  # the verification read model's rows, from these events
                bulk.put(self.recorder, self.mapper, events, label=lambda e: e.data["number"])
        except IntegrityError:  # a concurrent writer issued one of the numbers after bulk.put looked
            taken = [d.number for d in datas if self._exists(certificate_id(d.number, 1))]
            shown = ", ".join(taken[:5]) + (f" (+{len(taken) - 5} more)" if len(taken) > 5 else "")
            raise AlreadyExists(f"already issued, nothing imported: {shown or 'a concurrent writer'}") from None
        return len(events)

    # --------------------------------------------------- reissue and exchange
    def reissue(self, actor: Actor, number: str, request: str | None = None,
                expect_edition: int | None = None) -> CertificateView:
        return self._replace(actor, number, Replacement.LOST, None, request, expect_edition)

    def exchange(self, actor: Actor, number: str, request: str | None = None,
                 expect_edition: int | None = None) -> CertificateView:
        return self._replace(actor, number, Replacement.OVERSEAS, None, request, expect_edition)

    def correct(self, actor: Actor, number: str, changes: Mapping[str, str], request: str | None = None,
                expect_edition: int | None = None) -> CertificateView:
        return self._replace(actor, number, Replacement.CORRECTION, changes, request, expect_edition)

    def _replace(self, actor: Actor, number: str, reason: Replacement, changes: Mapping[str, str] | None,
                 request: str | None, expect_edition: int | None) -> CertificateView:
        old = self._current(number)
        if expect_edition is not None and old.edition != expect_edition:
            # The clerk decided on the edition they saw; someone else replaced it since.
            raise Conflict(f"certificate {old.number} is at edition {old.edition}, not {expect_edition}: "
                           "someone acted on it first; nothing was written")
        if old.data.family == Family.PROFESSIONAL and reason is not Replacement.CORRECTION:
            self._require_batch(old, reason, request)
        catalog = self.catalog()
        new = old.replace(reason, catalog, actor.operator, actor.office, self.now(), corrections=changes)
        req = self._complete_request(actor, request, old.number, new.number, (REQUEST_FOR[reason],))
        self._save(old, new, req)
        return certificate_view(new, editions=new.edition)

    def _require_batch(self, old: Certificate, reason: Replacement, request: str | None) -> None:
        """A professional reissue or exchange is printed by the ministry from the city's monthly batch (seeds
        002, 004): the city records the new edition when the printed certificate comes back, on the request
        the batch carried, never around it."""
        if old.data.electronic or abolished_qualification(old.data.occupation) is not None:
            return  # no paper is reissued at all: the certificate's own refusal says what instead
        forwarded = self._request(request) if request else None
        if forwarded is None or forwarded.forwarded is None:
            raise RuleViolation(
                "professional-reissue-through-batch",
                f"certificate {old.number} is a professional certificate: its {reason.label} is printed by the "
                "ministry from the monthly batch (市受理审核 → 每月报送省人事考试中心 → 人社部印制); record it "
                "on the request once the batch carried it and the printed certificate came back",
                remedy="file the request; once accepted and reviewed, the month's batch export carries it: "
                       f"certledger request apply {old.number} --kind {REQUEST_FOR[reason].value} "
                       f"--applicant {old.data.holder_name}")

    # -------------------------------------------------------------- revocation
    def revoke(self, actor: Actor, number: str, reason: str) -> CertificateView | ProofView:
        doc = self._document(number)
        doc.revoke(reason, actor.operator, actor.office, self.now())
        self._save(doc)
        return document_view(doc)  # type: ignore[arg-type]


def parse_certificate_for(actor: Actor, fields: Mapping[str, Any]) -> CertificateData:
    """Validate issuance fields; a professional certificate's authority defaults to the office."""
    from ledger.values import parse_certificate

    raw = dict(fields)
    if str(raw.get("family") or "skill") == Family.PROFESSIONAL and not raw.get("authority"):
        raw["authority"] = actor.office
    return parse_certificate(raw)
