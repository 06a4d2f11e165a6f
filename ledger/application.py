"""The certledger application: commands and queries over the event store.

Commands take primitives and an Actor (operator + office), load aggregates, let them
check the rules, and save every touched aggregate in one atomic save. Queries return
read views (ledger.views), never aggregates.

Storage is the library's: SQLite by default, PostgreSQL or in-memory by configuration
(PERSISTENCE_MODULE and friends), with the library's cipher when CIPHER_KEY is set.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.utils import Environment

from ledger import batch as reissue_batch
from ledger.audit import AuditReport, VerifySignature, audit, events_from_recorder
from ledger.blobs import BlobState, BlobStore
from ledger.domain import (
    CATALOG_ID,
    CHINA,
    Catalog,
    CatalogVersion,
    Certificate,
    Document,
    HandoverKind,
    Proof,
    ProofKind,
    Replacement,
    RequestKind,
    RequestStage,
    ServiceRequest,
    SignedFile,
    SigningKey,
    certificate_id,
    proof_id,
    request_id,
    signed_file_id,
    signing_key_id,
)
from ledger.errors import AlreadyExists, Conflict, InvalidInput, NotFound, RuleViolation
from ledger.handover import parse_handover
from ledger.recorders import construct_factory, takes_writers
from ledger.reference import authority, default_catalog, policy
from ledger.translog import Checkpoint, TransparencyLog, store_for
from ledger.values import CertificateData, Family, parse_text
from ledger.views import (
    AuthorityView,
    CertificateView,
    EventView,
    EvidenceView,
    ProofView,
    RequestView,
    SignedFileView,
    SigningKeyView,
    Step,
    WhereView,
)
from ledger.workdays import add_working_days

PROOF_PREFIXES = tuple(f"{k.prefix}-" for k in ProofKind)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Draft:
    """A document decided but not saved: its view to render, the aggregates to save with its signature."""

    view: CertificateView | ProofView
    aggregates: tuple[Aggregate, ...]
    document: Document
    at: datetime  # the signing time the ledger will record


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an operator of an issuing office (a 4-digit authority code)."""

    operator: str
    office: str

    def __post_init__(self) -> None:
        parse_text(self.operator, "operator", max_len=50)
        authority(self.office, field="office")


def _edition(editions: Sequence[Certificate], number: str, edition: str) -> Certificate:
    """Edition `edition` (the text after '#') of a certificate, or NotFound."""
    if not (edition.isascii() and edition.isdigit() and 1 <= int(edition) <= len(editions)):
        raise NotFound(f"no edition {edition} of {number}")
    return editions[int(edition) - 1]


class CertLedger(Application[UUID]):
    name = "certledger"
    log_section_size = 1000

    def __init__(self, env: Mapping[str, str] | None = None, *, blobs: BlobStore | None = None,
                 clock: Callable[[], datetime] | None = None, transparency_log: bool = False) -> None:
        super().__init__(env)
        self.blobs = blobs
        self._clock = clock or (lambda: datetime.now(UTC))
        # The log is written in each save's own transaction (ledger.recorders): a row in the events
        # table without a leaf did not come from a save, and no later save absorbs it.
        self.translog = TransparencyLog(store_for(self.env)) if transparency_log else None
        if self.translog is not None:
            if not takes_writers(self.recorder):
                raise RuleViolation("log-needs-own-recorder", "the transparency log is written by certledger's "
                                    "recorder: unset APPLICATION_RECORDER_TOPIC")
            self.translog.store.prepare()
            self.recorder.add_writer(self.translog.write_in_transaction)  # type: ignore[attr-defined]

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return construct_factory(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ----------------------------------------------------------------- helpers
    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self.now().astimezone(CHINA).date()

    def _save(self, *aggregates: Aggregate | None, duplicate: str | None = None) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            if duplicate:
                raise AlreadyExists(duplicate) from None
            raise Conflict("another writer changed the same record first; nothing was written, "
                           "look again and retry") from None

    def _get(self, aggregate_id: UUID, what: str) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {what}") from None

    def _editions(self, number: str) -> list[Certificate]:
        """Every edition of a certificate number, oldest first."""
        number = number.strip().upper()
        first: Certificate = self._get(certificate_id(number, 1), f"certificate numbered {number}")
        editions = [first]
        while editions[-1].superseded is not None:
            editions.append(self._get(editions[-1].superseded["by"], "successor edition"))
        return editions

    def _current(self, number: str) -> Certificate:
        return self._editions(number)[-1]

    def _proof(self, number: str) -> Proof:
        return self._get(proof_id(number.strip().upper()), f"proof numbered {number}")  # type: ignore[no-any-return]

    def _request(self, number: str) -> ServiceRequest:
        return self._get(request_id(number.strip().upper()), f"service request numbered {number}")  # type: ignore[no-any-return]

    def _document(self, number: str) -> Document:
        text = number.strip().upper()
        if text.startswith(PROOF_PREFIXES):
            return self._proof(text)
        return self._current(text)

    def _catalog(self) -> Catalog:
        try:
            return self.repository.get(CATALOG_ID)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            raise RuleViolation("catalog-missing",
                                "no occupation catalog is loaded: run certledger init or catalog load") from None

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

    def catalog(self) -> CatalogVersion:
        return self._catalog().current_version()

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
        try:
            # EventStore.put records the list in one transaction, as save() would, without save()'s
            # per-object protocol checks (a sixth of an import's time); nothing here needs snapshots.
            self.events.put(events)
        except IntegrityError:
            taken = [d.number for d in datas if self._exists(certificate_id(d.number, 1))]
            shown = ", ".join(taken[:5]) + (f" (+{len(taken) - 5} more)" if len(taken) > 5 else "")
            raise AlreadyExists(f"already issued, nothing imported: {shown or 'a concurrent writer'}") from None
        return len(events)

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

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
        catalog = self.catalog()
        new = old.replace(reason, catalog, actor.operator, actor.office, self.now(), corrections=changes)
        req = self._complete_request(actor, request, old.number, new.number, (
            RequestKind.REISSUE if reason is Replacement.LOST else
            RequestKind.EXCHANGE if reason is Replacement.OVERSEAS else RequestKind.CORRECT,))
        self._save(old, new, req)
        return certificate_view(new, editions=new.edition)

    # ------------------------------------------------------------------ proofs
    def prove(self, actor: Actor, number: str, kind: ProofKind, reason: str = "lost",
              request: str | None = None) -> ProofView:
        cert = self._current(number)
        proof, extra = self._prove(actor, cert, kind, reason, request)
        self._save(cert, proof, *extra)
        return proof_view(proof)

    def _prove(self, actor: Actor, cert: Certificate, kind: ProofKind, reason: str,
               request: str | None) -> tuple[Proof, tuple[Aggregate, ...]]:
        """The new proof, and what changes with it: older proofs it supersedes, the request it completes."""
        if kind is ProofKind.SCORE_PASS and request:
            pending = self._request(request)
            if pending.certificate_number != cert.number or pending.stage in (
                    RequestStage.REJECTED, RequestStage.COMPLETED, RequestStage.DELIVERED):
                raise RuleViolation("score-pass-needs-pending-reissue",
                                    f"request {request} is not a pending request for {cert.number}")
        at = self.now()
        proof = cert.prove(kind, reason, self.catalog(), actor.operator, actor.office, at,
                           request_number=request if kind is ProofKind.SCORE_PASS else None)
        older = [self._proof(p["number"]) for p in cert.proofs[:-1] if p["kind"] == kind.value]
        for previous in older:
            previous.supersede(proof, actor.operator, actor.office, at)
        req = None
        if kind is not ProofKind.SCORE_PASS:
            req = self._complete_request(actor, request, cert.number, proof.number, (
                RequestKind.PROOF, RequestKind.QUALIFICATION))
        return proof, (*older, *((req,) if req else ()))

    # --------------------------------------------------------------- handover
    def hand_over(self, actor: Actor, numbers: Sequence[str], kind: HandoverKind, details: Mapping[str, Any],
                  evidence: Sequence[tuple[str, Path]] = ()) -> list[WhereView]:
        if not numbers:
            raise InvalidInput("numbers", "name at least one document")
        if len(set(numbers)) != len(numbers):
            raise InvalidInput("numbers", "names a document twice")
        documents = [self._document(n) for n in numbers]
        parsed = parse_handover(kind, details, [d.data for d in documents], [k for k, _ in evidence])
        for path in (p for _, p in evidence):
            if not Path(path).is_file():
                raise InvalidInput("evidence", f"no such file: {path}")
        if self.blobs is None and evidence:
            raise InvalidInput("evidence", "no attachment store is configured")
        for doc in documents:  # every rule before any file is stored
            doc.check_may_hand_over(actor.office)
        attached = [{"kind": k, "sha256": self.blobs.put_file(p), "name": Path(p).name}  # type: ignore[union-attr]
                    for k, p in evidence]
        at = self.now()
        for doc in documents:
            doc.hand_over(kind, parsed, attached, actor.operator, actor.office, at)
        self._save(*documents)
        return [self.where(n) for n in numbers]

    # -------------------------------------------------------------- revocation
    def revoke(self, actor: Actor, number: str, reason: str) -> CertificateView | ProofView:
        doc = self._document(number)
        doc.revoke(reason, actor.operator, actor.office, self.now())
        self._save(doc)
        return certificate_view(doc) if isinstance(doc, Certificate) else proof_view(doc)  # type: ignore[arg-type]

    # -------------------------------------------------------- service requests
    def apply(self, actor: Actor, kind: RequestKind, certificate_number: str, applicant: str,
              channel: str = "window", applied_on: date | None = None) -> RequestView:
        cert = self._current(certificate_number)
        if cert.data.authority != actor.office:
            raise RuleViolation("issuing-authority-only",
                                f"certificate {cert.number} was issued by {cert.data.authority}: "
                                "apply there (谁发证谁负责)")
        if channel not in ("window", "online", "mail"):
            raise InvalidInput("channel", "window, online or mail")
        on = applied_on or self.today()
        due = add_working_days(on, policy(actor.office[:2]).time_limits["accept"])
        number = f"SQ-{actor.office}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"
        req = ServiceRequest.apply(number, kind, cert.number, actor.office,
                                   parse_text(applicant, "applicant", max_len=50), channel, on, due.day,
                                   due.provisional, actor.operator, self.now())
        self._save(req, duplicate=f"request {number} exists")
        return request_view(req, self.today())

    def accept(self, actor: Actor, number: str, on: date | None = None) -> RequestView:
        req = self._request(number)
        cert = self._current(req.certificate_number)
        day = on or self.today()
        limits = policy(actor.office[:2]).time_limits
        span = limits["complete"]
        if cert.data.family == Family.PROFESSIONAL and req.kind == RequestKind.REISSUE:
            span = limits.get("complete_professional_reissue", span)
        due = add_working_days(day, span)
        req.accept(day, due.day, due.provisional, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def review(self, actor: Actor, number: str, approve: bool, reason: str = "",
               checks: Mapping[str, bool] | None = None) -> RequestView:
        req = self._request(number)
        req.decide(approve, reason, checks or {c: True for c in ServiceRequest.REVIEW_CHECKS},
                   actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def complete(self, actor: Actor, number: str, result_number: str) -> RequestView:
        self._document(result_number)  # the result must be on record already
        req = self._complete_request(actor, number, None, result_number, tuple(RequestKind))
        assert req is not None
        self._save(req)
        return request_view(req, self.today())

    def deliver(self, actor: Actor, number: str, how: str) -> RequestView:
        req = self._request(number)
        req.deliver(self.today(), parse_text(how, "how", max_len=200), actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def _complete_request(self, actor: Actor, number: str | None, certificate_number: str | None,
                          result_number: str, kinds: tuple[RequestKind, ...]) -> ServiceRequest | None:
        if not number:
            return None
        req = self._request(number)
        if certificate_number is not None and req.certificate_number != certificate_number:
            raise RuleViolation("request-mismatch", f"request {number} is for {req.certificate_number}")
        if req.kind not in kinds:
            raise RuleViolation("request-mismatch", f"request {number} asks for {req.kind}")
        day = self.today()
        due = add_working_days(day, policy(actor.office[:2]).time_limits["deliver"])
        req.complete(result_number.strip().upper(), day, due.day, due.provisional, actor.operator,
                     actor.office, self.now())
        return req

    # ------------------------------------------------------------ signing keys
    def register_key(self, actor: Actor, kid: str, algorithm: str, public_key_pem: str, certificate_pem: str,
                     not_before: datetime, not_after: datetime, retire: str | None = None) -> SigningKeyView:
        """Record a new office key; with `retire`, the old key's window ends in the same save (rotation)."""
        key = SigningKey.register(kid, actor.office, algorithm, public_key_pem, certificate_pem, not_before,
                                  not_after, actor.operator, self.now())
        old = None
        if retire:
            old = self._key(retire)
            old.retire(f"rotated to {kid}", actor.operator, actor.office, self.now())
        self._save(key, old, duplicate=f"key {kid} is already registered")
        return key_view(key)

    def retire_key(self, actor: Actor, kid: str, reason: str) -> SigningKeyView:
        key = self._key(kid)
        key.retire(parse_text(reason, "reason", max_len=200), actor.operator, actor.office, self.now())
        self._save(key)
        return key_view(key)

    def revoke_key(self, actor: Actor, kid: str, compromised_at: datetime, reason: str) -> SigningKeyView:
        key = self._key(kid)
        key.revoke(compromised_at, reason, actor.operator, actor.office, self.now())
        self._save(key)
        return key_view(key)

    def _key(self, kid: str) -> SigningKey:
        return self._get(signing_key_id(kid), f"signing key {kid}")  # type: ignore[no-any-return]

    def key(self, kid: str) -> SigningKeyView:
        return key_view(self._key(kid))

    def signing_keys(self, office: str | None = None) -> list[SigningKeyView]:
        views = [key_view(self.repository.get(i)) for i in self._ids_created_as(SigningKey.Registered)]
        return [v for v in views if office is None or v.office == office]

    def active_key(self, office: str) -> SigningKeyView:
        """The office's key that may sign now (the newest, if several)."""
        now = self.now()
        usable = [v for v in self.signing_keys(office) if self._key(v.kid).may_sign_at(now)[0]]
        if not usable:
            raise RuleViolation("no-active-key", f"office {office} has no signing key valid now: "
                                                 "certledger keys init (or keys rotate)")
        return max(usable, key=lambda v: v.not_before)

    def _ids_created_as(self, event_class: type) -> list[UUID]:
        topic = f"{event_class.__module__}:{event_class.__qualname__}"
        ids: list[UUID] = []
        start = None
        while True:
            page = self.recorder.select_notifications(start=start, limit=1000, topics=[topic])
            ids.extend(UUID(str(n.originator_id)) for n in page)
            if len(page) < 1000:
                return ids
            start = page[-1].id + 1

    # -------------------------------------------------------- signed documents
    def draft_proof(self, actor: Actor, number: str, kind: ProofKind, reason: str = "lost",
                    request: str | None = None) -> Draft:
        """Everything prove() decides, not yet saved: render and sign it, then commit_signed()."""
        cert = self._current(number)
        proof, extra = self._prove(actor, cert, kind, reason, request)
        return Draft(proof_view(proof), (cert, proof, *extra), proof, proof.issued_by["at"])

    def draft_certificate(self, actor: Actor, number: str) -> Draft:
        """An electronic certificate of the current edition, to render and sign."""
        editions = self._editions(number)
        cert = editions[-1]
        cert.check_may_hand_over(actor.office)
        return Draft(certificate_view(cert, editions=len(editions)), (cert,), cert, self.now())

    def commit_signed(self, actor: Actor, draft: Draft, sha256: str, key_id: str, token: str) -> SignedFileView:
        """Record the signed file with the draft, in one atomic save; the signing time is the draft's."""
        key = self._key(key_id)
        if key.office != actor.office:
            raise RuleViolation("key-owner-only", f"key {key_id} belongs to office {key.office}")
        ok, why = key.may_sign_at(draft.at)
        if not ok:
            raise RuleViolation("key-not-valid", why)
        doc = draft.document
        doc.record_signature(sha256, key_id, token, actor.operator, actor.office, draft.at)
        number = draft.view.number if isinstance(doc, Proof) else f"{draft.view.number}#{doc.edition}"  # type: ignore[attr-defined]
        index = SignedFile.record(sha256, number, doc.id, key_id, draft.at)
        self._save(*draft.aggregates, index, duplicate=None)
        return SignedFileView(sha256, number, key_id, draft.at)

    def signed_file(self, sha256: str) -> SignedFileView | None:
        try:
            f: SignedFile = self.repository.get(signed_file_id(sha256))
        except AggregateNotFoundError:
            return None
        return SignedFileView(f.sha256, f.document_number, f.key_id, f.signed_at)

    def document_by_reference(self, reference: str) -> CertificateView | ProofView:
        """A proof number, or certificate number#edition as SignedFile records it."""
        number, _, edition = reference.partition("#")
        if edition:
            editions = self._editions(number)
            return certificate_view(_edition(editions, number, edition), editions=len(editions))
        return proof_view(self._proof(number))

    # ------------------------------------------------------- transparency log
    def _translog(self) -> TransparencyLog:
        if self.translog is None:
            raise RuleViolation("log-disabled", "the transparency log is not enabled for this ledger")
        return self.translog

    def take_checkpoint(self, sign: Callable[[bytes], tuple[str, bytes]]) -> Checkpoint:
        """Sign the log's head (`sign(body) -> (key id, signature)`). Rows the log has not seen are not
        absorbed: `audit verify` names them, and only `audit repair` brings them in."""
        return self._translog().checkpoint(sign, self.now())

    def audit(self, verify_signature: VerifySignature,
              progress: Callable[[int], None] | None = None) -> AuditReport:
        """Replay every stored event against the log and the signed checkpoints; changes nothing."""
        log = self._translog()
        return audit(events_from_recorder(self.recorder), log.store.leaves, log.size(), log.checkpoints(),
                     verify_signature, progress)

    def inclusion(self, reference: str, size: int | None = None) -> dict[str, Any]:
        """A document's latest event in the log (its signature, usually) with its RFC 6962 inclusion proof in
        the tree of `size` leaves (default: the whole log). A bare certificate number means its current
        edition. The state is "pending" when that event is not yet covered by the tree (nor, then, by any
        checkpoint of that size): the proof is empty until a later checkpoint covers it."""
        log = self._translog()
        reference, document = self._logged_document(reference)
        available = log.size()
        tree = available if size is None else size
        if not 0 < tree <= available:
            raise InvalidInput("size", f"a tree size from 1 to {available} (the log's size), not {tree}")
        position = log.position_of(document.id, document.version)
        if position is None or position >= tree:
            return {"document": reference, "state": "pending", "tree_size": tree, "position": position,
                    "leaf_hash": None, "proof": [], "root": log.root(tree).hex()}
        return {"document": reference, "state": "included", "tree_size": tree, "position": position,
                "leaf_hash": log.store.leaves(position, position + 1)[0][1].hex(),
                "proof": [h.hex() for h in log.inclusion_proof(position, tree)], "root": log.root(tree).hex()}

    def _logged_document(self, reference: str) -> tuple[str, Certificate | Proof]:
        """(proof number or number#edition, aggregate) for a reference; a bare number is the current edition."""
        number, hash_sign, edition = reference.strip().upper().partition("#")
        if not hash_sign and number.startswith(PROOF_PREFIXES):
            return number, self._proof(number)
        editions = self._editions(number)
        cert = _edition(editions, number, edition) if hash_sign else editions[-1]
        return f"{number}#{cert.edition}", cert

    # ------------------------------------------------------------------ queries
    def show(self, number: str) -> CertificateView | ProofView | RequestView:
        text = number.strip().upper()
        if text.startswith("SQ-"):
            return request_view(self._request(text), self.today())
        if text.startswith(PROOF_PREFIXES):
            return proof_view(self._proof(text))
        editions = self._editions(text)
        return certificate_view(editions[-1], editions=len(editions))

    def edition(self, number: str, edition: int) -> CertificateView:
        cert = self._get(certificate_id(number.strip().upper(), edition), f"edition {edition} of {number}")
        return certificate_view(cert)

    def as_of(self, number: str, when: datetime) -> CertificateView | ProofView:
        """A certificate or proof as the ledger knew it at `when` (events recorded up to then)."""
        text = number.strip().upper()

        def at_time(aggregate_id: UUID, what: str) -> Any:
            times = [_event_time(e) for e in self.events.get(aggregate_id)]
            version = sum(1 for t in times if t <= when)
            if version == 0:
                raise NotFound(f"{what} did not exist yet at {when.isoformat()}")
            return self.repository.get(aggregate_id, version=version)

        if text.startswith(PROOF_PREFIXES):
            return proof_view(at_time(proof_id(text), f"proof {text}"))
        cert: Certificate = at_time(certificate_id(text, 1), f"certificate {text}")
        while cert.superseded is not None:
            cert = at_time(cert.superseded["by"], f"the next edition of {text}")
        return certificate_view(cert)

    def history(self, number: str, as_of: datetime | None = None) -> list[EventView]:
        """Every event of a certificate (all editions and its proofs) or of a proof, oldest first."""
        text = number.strip().upper()
        if text.startswith(PROOF_PREFIXES):
            streams = [(text, self._proof(text).id)]
        elif text.startswith("SQ-"):
            streams = [(text, self._request(text).id)]
        else:
            editions = self._editions(text)
            streams = [(f"{text}#{c.edition}", c.id) for c in editions]
            streams += [(p["number"], p["id"]) for c in editions for p in c.proofs]
        out = [_event_view(label, e) for label, aggregate_id in streams for e in self.events.get(aggregate_id)
               if as_of is None or _event_time(e) <= as_of]
        return sorted(out, key=lambda v: (v.at, v.version > 1))  # a new edition before the old one's supersession

    def where(self, number: str) -> WhereView:
        """Where a document is now and how it got there; for a certificate, across its editions."""
        text = number.strip().upper()
        documents: list[Document] = (
            [self._proof(text)] if text.startswith(PROOF_PREFIXES) else list(self._editions(text)))
        current = documents[-1]
        trail: list[Step] = []
        custody, location, since = "office", "", current.issued_by["at"]
        for doc in documents:
            issued = doc.issued_by
            custody, since = "office", issued["at"]
            location = f"at the issuing office {authority(doc.issuing_authority).office}"
            trail.append(Step(issued["at"], f"{doc.label} issued by {issued['office']} ({issued['operator']})"))
            for h in doc.handovers:
                evidence = tuple(EvidenceView(e["kind"], e["sha256"], e["name"], self._blob_state(e["sha256"]))
                                 for e in h["evidence"])
                custody, location = _custody(h["kind"], h["details"])
                since = h["at"]
                trail.append(Step(h["at"], f"{HandoverKind(h['kind']).label}: {location} (by {h['operator']})",
                                  evidence))
            if doc.superseded is not None:
                how = doc.superseded.get("reason") or f"by {doc.superseded['by_number']}"
                trail.append(Step(doc.superseded["at"], f"{doc.label} superseded ({how})"))
            if doc.revoked:
                trail.append(Step(doc.revoked["at"], f"{doc.label} revoked: {doc.revoked['reason']}"))
        return WhereView(current.label, current.status, custody, location, since, tuple(trail))

    def _blob_state(self, sha256: str) -> str:
        return (self.blobs.check(sha256) if self.blobs is not None else BlobState.MISSING).value

    def requests(self, open_only: bool = False) -> list[RequestView]:
        today = self.today()
        views = [request_view(self.repository.get(i), today) for i in self._ids_created_as(ServiceRequest.Applied)]
        return [v for v in views if v.due is not None] if open_only else views

    def overdue(self) -> list[RequestView]:
        return [v for v in self.requests(open_only=True) if v.overdue]

    def count_events(self) -> int:
        return self.recorder.max_notification_id() or 0

    # ==========================================================================================
    # Monthly reissue batch (issue 6; seed 004 附件 证书补换操作说明): a city exports its approved
    # reissue and exchange requests for professional certificates; the provincial center checks
    # and imports the package. Rules, events and the package format live in ledger.batch.
    # Keep this block last in the class.
    # ==========================================================================================
    def attach_request_photo(self, actor: Actor, number: str, photo: bytes) -> RequestView:
        """Keep the applicant's photo with a reissue or exchange request; a photo breaking the rule is refused."""
        req = self._request(number)
        reissue_batch.check_may_attach_photo(req, actor.office)
        cert = self._current(req.certificate_number)
        problems = reissue_batch.photo_problems(photo, cert.data.occupation)
        if problems:
            raise InvalidInput("photo", "; ".join(problems))
        if self.blobs is None:
            raise InvalidInput("photo", "no attachment store is configured")
        sha256 = self.blobs.put_bytes(photo)  # every rule checked first: no file for a refused request
        reissue_batch.attach_photo(req, sha256, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def batch_entries(self, actor: Actor, city: str, month: str) -> list[reissue_batch.BatchEntry]:
        """The city's reissue and exchange requests for professional certificates approved in `month` (YYYYMM)."""
        if authority(city, field="city").code[2:] == "00":
            raise InvalidInput("city", f"{city} is a provincial office: give a city's code")
        if actor.office != city:
            raise RuleViolation("batch-own-city-only",
                                f"office {actor.office} may not export the batch of {city}: each city sends its own")
        month = reissue_batch.parse_month(month, "month", self.today())
        entries = []
        for req in self._batch_requests(city, month):
            cert = self._current(req.certificate_number)
            if cert.data.family != Family.PROFESSIONAL:
                continue  # skill certificates are reissued by the city itself, not in this batch
            photo = reissue_batch.request_photo(req) or cert.data.photo_sha256
            entries.append(reissue_batch.BatchEntry(req.number, req.kind, cert.data, photo,
                                                    (req.review or {})["at"], cert.status))
        return entries

    def batch_photo(self, sha256: str) -> bytes:
        """A photo from the attachment store, its hash checked."""
        if self.blobs is None:
            raise InvalidInput("attachments", "no attachment store is configured")
        return self.blobs.read(sha256)

    def check_batch(self, actor: Actor, package: reissue_batch.Package,
                    progress: Callable[[int], None] | None = None) -> reissue_batch.BatchReport:
        """Every problem of a read package, the certificate database and the requests included; writes nothing."""
        report, _ = self._examine_batch(actor, package, importing=False, progress=progress)
        return report

    def import_batch(self, actor: Actor, package: reissue_batch.Package,
                     progress: Callable[[int], None] | None = None) -> reissue_batch.BatchReport:
        """Record a clean package: a ReissueBatch per exam and a Forwarded event on each request, in one save."""
        report, links = self._examine_batch(actor, package, importing=True, progress=progress)
        if report.problems:
            raise reissue_batch.BatchRejected(package.path.name, report.problems)
        at = self.now()
        if self.blobs is not None:
            self.blobs.put_file(package.path)  # the package itself is the evidence of what was received
        city = str(report.city)
        batches: list[reissue_batch.ReissueBatch] = []
        requests: list[ServiceRequest] = []
        for sheet, sheet_links in links:
            assert sheet.name is not None  # a sheet with a broken name is a problem, refused above
            rows = [{"row": link.row, "zsglh": link.number, "request": link.request.number, "kind": link.request.kind,
                     "edition": link.edition, "photo_sha256": link.photo_sha256} for link in sheet_links]
            batch = reissue_batch.ReissueBatch.import_sheet(
                city, sheet.name.month, sheet.name.exam_code, sheet.name.exam_name, sheet.file, package.path.name,
                package.sha256, rows, actor.operator, actor.office, at)
            for link in sheet_links:
                reissue_batch.forward(link.request, batch, link.row, actor.operator, actor.office, at)
                requests.append(link.request)
            batches.append(batch)
        self._save(*batches, *requests)
        return reissue_batch.BatchReport(
            report.package, report.sha256, report.city, report.month, report.sheets, (), report.rows, imported=True,
            batches=tuple(b.label for b in batches), linked=tuple(r.number for r in requests))

    def _examine_batch(self, actor: Actor, package: reissue_batch.Package, importing: bool,
                       progress: Callable[[int], None] | None
                       ) -> tuple[reissue_batch.BatchReport, list[reissue_batch.SheetLinks]]:
        province = actor.office[:2]
        problems = list(package.problems)
        city = reissue_batch.city_code(package.city_area, province) if package.city_area else None
        if package.city_area and city is None:
            problems.append(reissue_batch.Problem(
                package.path.name, None, "地市",
                f"{package.city_area} is not a city of {authority(province + '00').province} (office {actor.office})"))
        if importing and city is not None:
            reissue_batch.require_provincial_center(actor.office, city)
        elif importing and actor.office[2:] != "00":
            raise RuleViolation("batch-provincial-center-only",
                                f"office {actor.office} may not import batches: the provincial center does")
        elif city is not None and actor.office not in (city, province + "00"):
            raise RuleViolation("batch-city-or-center-only",
                                f"office {actor.office} may not check the batch of {city}: the city or its "
                                "provincial center does")
        if city is not None:
            for sheet in package.sheets:
                if sheet.name is not None and self._exists(
                        reissue_batch.batch_id(city, sheet.name.month, sheet.name.exam_code)):
                    label = reissue_batch.batch_label(city, sheet.name.month, sheet.name.exam_code)
                    raise AlreadyExists(f"{sheet.file} was already imported as batch {label}"
                                        + ("; nothing was imported" if importing else ""))
        pending: dict[str, list[ServiceRequest]] = {}
        for req in (self._batch_requests(city) if city is not None else []):
            pending.setdefault(req.certificate_number, []).append(req)
        links: list[reissue_batch.SheetLinks] = []
        for sheet in package.sheets:
            sheet_links: list[reissue_batch.RowLink] = []
            for row in sheet.rows:
                link = self._batch_link(sheet, row, city, pending, problems)
                if link is not None:
                    sheet_links.append(link)
                if progress is not None:
                    progress(1)
            links.append((sheet, sheet_links))
        sheets = tuple({"file": s.file, "exam_code": s.name.exam_code if s.name else None,
                        "exam_name": s.name.exam_name if s.name else None, "rows": len(s.rows), "photos": s.photos}
                       for s in package.sheets)
        report = reissue_batch.BatchReport(package.path.name, package.sha256, city, package.month, sheets,
                                           tuple(reissue_batch.sort_problems(problems)), package.rows)
        return report, links

    def _batch_link(self, sheet: reissue_batch.PackageSheet, row: reissue_batch.PackageRow, city: str | None,
                    pending: Mapping[str, list[ServiceRequest]],
                    problems: list[reissue_batch.Problem]) -> reissue_batch.RowLink | None:
        """The row against the certificate database, and the approved request it carries."""
        def problem(field: str, message: str) -> None:
            problems.append(reissue_batch.Problem(sheet.file, row.row, field, message))

        number = row.cells.get("ZSGLH", "")
        if not reissue_batch.is_management_number(number):
            return None  # already reported by the format check
        try:
            cert = self._current(number)
        except NotFound:
            problem("ZSGLH", f"{number} is not in the certificate database")
            return None
        if cert.status == "revoked":
            problem("ZSGLH", f"{number} is revoked: it cannot be reissued")
        for field, message in reissue_batch.compare_with_certificate(row.cells, cert.data, sheet.name, city):
            problem(field, message)
        if city is None:
            return None
        candidates = pending.get(number, [])
        open_ones = [r for r in candidates if reissue_batch.forwarded_in(r) is None]
        if not open_ones:
            if candidates:
                done = reissue_batch.forwarded_in(candidates[0]) or {}
                problem("ZSGLH", f"request {candidates[0].number} for {number} was already forwarded in batch "
                                 f"{done.get('batch')}")
            else:
                problem("ZSGLH", f"no approved reissue or exchange request of office {city} for {number}")
            return None
        return reissue_batch.RowLink(row.row, number, open_ones[0], cert.edition, row.photo_sha256)

    def _batch_requests(self, city: str, month: str | None = None) -> list[ServiceRequest]:
        """The city's approved reissue and exchange requests (approved in `month`, if given), oldest first.

        Reads the Reviewed events' notifications, not every request: a store holds years of them.
        """
        topic = f"{ServiceRequest.Reviewed.__module__}:{ServiceRequest.Reviewed.__qualname__}"
        ids: list[UUID] = []
        start = None
        while True:
            page = self.recorder.select_notifications(start=start, limit=1000, topics=[topic])
            for notification in page:
                reviewed = self.mapper.to_domain_event(notification)
                got = reviewed.__dict__
                if got["approved"] and got["office"] == city and (
                        month is None or reissue_batch.month_of(got["at"]) == month):
                    ids.append(UUID(str(reviewed.originator_id)))
            if len(page) < 1000:
                break
            start = page[-1].id + 1
        requests: list[ServiceRequest] = [self.repository.get(i) for i in dict.fromkeys(ids)]
        return [r for r in requests if r.kind in reissue_batch.BATCH_KINDS and r.stage == RequestStage.APPROVED]
    # ================================================================ end of the monthly reissue batch


def parse_certificate_for(actor: Actor, fields: Mapping[str, Any]) -> CertificateData:
    """Validate issuance fields; a professional certificate's authority defaults to the office."""
    from ledger.values import parse_certificate

    raw = dict(fields)
    if str(raw.get("family") or "skill") == Family.PROFESSIONAL and not raw.get("authority"):
        raw["authority"] = actor.office
    return parse_certificate(raw)


# ------------------------------------------------------------------- projections
def certificate_view(cert: Certificate, editions: int | None = None) -> CertificateView:
    return CertificateView(
        id=cert.id, number=cert.number, edition=cert.edition, status=cert.status, data=cert.data,
        authority=AuthorityView.of(cert.data.authority), issued_at=cert.issued_by["at"],
        issued_by=f"{cert.issued_by['operator']} @ {cert.issued_by['office']}", remarks=tuple(cert.remarks),
        replacement=cert.replacement_reason,
        replaces_edition=cert.edition - 1 if cert.replaces is not None else None,
        superseded=cert.superseded, revoked=cert.revoked, corrections=tuple(cert.corrections),
        catalog_version=cert.catalog_version, proofs=tuple(cert.proofs), handover_count=len(cert.handovers),
        editions=editions or cert.edition, signatures=tuple(cert.signatures),
    )


def key_view(key: SigningKey) -> SigningKeyView:
    return SigningKeyView(
        kid=key.kid, office=key.office, algorithm=key.algorithm, public_key_pem=key.public_key_pem,
        certificate_pem=key.certificate_pem, not_before=key.not_before, not_after=key.not_after,
        registered_at=key.registered["at"], retired_at=key.retired["at"] if key.retired else None,
        compromised_at=key.revoked["compromised_at"] if key.revoked else None,
        revocation_reason=key.revoked["reason"] if key.revoked else None,
    )


def proof_view(proof: Proof) -> ProofView:
    return ProofView(
        id=proof.id, number=proof.number, kind_name=proof.kind, reason=proof.reason, status=proof.status,
        certificate_number=proof.certificate_number, certificate_edition=proof.certificate_edition,
        data=proof.data, authority=AuthorityView.of(proof.data.authority), issued_at=proof.issued_by["at"],
        issued_by=f"{proof.issued_by['operator']} @ {proof.issued_by['office']}",
        catalog_version=proof.catalog_version, request_number=proof.request_number,
        superseded=proof.superseded, revoked=proof.revoked, handover_count=len(proof.handovers),
        signatures=tuple(proof.signatures),
    )


def request_view(req: ServiceRequest, today: date) -> RequestView:
    return RequestView(
        number=req.number, kind=req.kind, certificate_number=req.certificate_number, office=req.office,
        applicant=req.applicant, channel=req.channel, stage=req.stage, applied_on=req.applied_on, due=req.due,
        provisional_due=req.provisional, overdue=req.is_overdue(today), review=req.review,
        result_number=req.result_number, steps=tuple(req.steps),
    )


def _custody(kind: str, d: Mapping[str, Any]) -> tuple[str, str]:
    if kind == HandoverKind.IN_PERSON:
        return "holder", f"with the holder {d['recipient']} (ID {d['id_masked']} checked)"
    if kind == HandoverKind.DELEGATE:
        return "delegate", f"with the delegate {d['delegate']} (ID {d['id_masked']}, power of attorney)"
    if kind == HandoverKind.MAIL:
        return "in-transit", f"sent by {d['carrier']} {d['tracking_number']} to {d['recipient']}, {d['address']}"
    letter = d["contact_letter"]
    return "institution", (f"with {d['institution']} (batch {letter['batch_number']}, "
                           f"receipt signed by {d['receipt']['signer']} on {d['receipt']['date']})")


def _summary(event: Any) -> str:
    name = type(event).__qualname__
    get = event.__dict__.get
    if name == "Certificate.Issued":
        return f"issued edition {get('edition')}"
    if name == "Certificate.Imported":
        return f"issued edition 1 (imported from {get('source')})"
    if name.startswith("Certificate.") and get("replaces") is not None:
        text = f"edition {get('edition')}: {get('remark')}"
        for c in get("corrections") or []:
            old, new = c["old"], c["new"]
            if c["field"] == "id_number":
                old, new = "…" + str(old)[-2:], "…" + str(new)[-2:]
            text += f"; {c['field']}: {old} -> {new}"
        return text
    if name == "Certificate.Superseded":
        return f"superseded by edition {get('by_edition')} ({get('reason')})"
    if name == "Certificate.ProofRecorded":
        return f"{ProofKind(get('kind')).label} {get('proof_number')} recorded"
    if name == "Proof.Recorded":
        return (f"{ProofKind(get('kind')).label} recorded for certificate {get('certificate_number')} "
                f"edition {get('certificate_edition')} (catalog {get('catalog_version') or '-'})")
    if name == "Proof.Superseded":
        return f"superseded by {get('by_number')}"
    if name == "Document.HandedOver":
        kind, label = get("kind"), _custody(get("kind"), get("details"))[1]
        return f"{HandoverKind(kind).label}: {label}; evidence {len(get('evidence'))} file(s)"
    if name == "Document.Revoked":
        return f"revoked: {get('reason')}"
    if name == "Forwarded":  # ledger.batch: a request sent on in a monthly batch
        return f"forwarded in batch {get('batch')}: {get('file_name')}, row {get('row')}"
    if name == "PhotoAttached":
        return f"photo attached (sha256 {str(get('sha256'))[:12]}…)"
    if name.startswith("ServiceRequest."):
        stage = name.split(".", 1)[1].lower()
        if stage == "reviewed":
            return "approved" if get("approved") else f"rejected: {get('reason')}"
        return stage + (f" -> {get('result_number')}" if get("result_number") else "")
    return name


def _event_time(event: Any) -> datetime:
    """When the ledger recorded it: the command's time where the event carries one."""
    return event.__dict__.get("at") or event.timestamp  # type: ignore[no-any-return]


def _event_view(label: str, event: Any) -> EventView:
    at = _event_time(event)
    return EventView(label, event.originator_version, type(event).__qualname__, at,
                     event.__dict__.get("operator", ""), event.__dict__.get("office", ""), _summary(event))
