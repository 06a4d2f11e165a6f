"""What every part of the application shares: the store, the clock, who acts, and loading aggregates.

The parts (issuance, proofs, custody, requests, signing, the log, queries) are mixins over
`LedgerBase`; `ledger.application.CertLedger` composes them into the one public application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, JSONTranscoder, Notification, Transcoding
from eventsourcing.utils import Environment

from ledger.blobs import BlobStore
from ledger.catalog import CATALOG_ID, Catalog, CatalogVersion
from ledger.docref import NumberKind, kind_of_number, normalise_number
from ledger.documents import Certificate, Document, Proof, certificate_id, proof_id
from ledger.errors import AlreadyExists, Conflict, NotFound, RuleViolation
from ledger.events import CHINA, topics_of
from ledger.readmodel import ReadModel
from ledger.readmodel_rebuild import prepare as prepare_readmodel
from ledger.readmodel_seal import PayloadSeal
from ledger.recorders import construct_factory, takes_writers
from ledger.reference import authority
from ledger.save_signing import SaveSignatures, SaveSigner, check_actor
from ledger.service_request import ServiceRequest, request_id
from ledger.signing_key import SigningKey, signing_key_id
from ledger.topic_index import TopicIndex
from ledger.translog import TransparencyLog, store_for
from ledger.values import parse_text


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an operator of an issuing office (a 4-digit authority code)."""

    operator: str
    office: str

    def __post_init__(self) -> None:
        parse_text(self.operator, "operator", max_len=50)
        authority(self.office, field="office")


def _may_create(env: Mapping[str, str]) -> bool:
    return env.get("CREATE_TABLE", "y").lower() not in ("n", "no", "false", "0", "off")


def edition_of(editions: Sequence[Certificate], number: str, edition: str | int) -> Certificate:
    """Edition `edition` (the text after '#', or its number) of a certificate, or NotFound."""
    text = str(edition)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= len(editions)):
        raise NotFound(f"no edition {text} of {number}")
    return editions[int(text) - 1]


class LedgerBase(Application[UUID]):
    name = "certledger"
    log_section_size = 1000
    notification_page = 1000
    listed_events: tuple[type, ...] = ()  # the event classes listed by kind, kept in an index (ledger.topic_index)

    def __init__(self, env: Mapping[str, str] | None = None, *, blobs: BlobStore | None = None,
                 clock: Callable[[], datetime] | None = None, transparency_log: bool = False,
                 signer: SaveSigner | None = None) -> None:
        super().__init__(env)
        self.blobs = blobs
        self._clock = clock or (lambda: datetime.now(UTC))
        # One signature of the acting credential per save, in the save's transaction (ledger.save_signing).
        self.signer = signer
        self.save_signatures = SaveSignatures(signer, self.now)
        if signer is not None:
            if not takes_writers(self.recorder):
                raise RuleViolation("signer-needs-own-recorder", "signed saves are written by certledger's "
                                    "recorder: unset APPLICATION_RECORDER_TOPIC")
            self.recorder.add_writer(self.save_signatures)  # type: ignore[attr-defined]
        # The log is written in each save's own transaction (ledger.recorders): a row in the events
        # table without a leaf did not come from a save, and no later save absorbs it.
        self.translog = TransparencyLog(store_for(self.env)) if transparency_log else None
        if self.translog is not None:
            if not takes_writers(self.recorder):
                raise RuleViolation("log-needs-own-recorder", "the transparency log is written by certledger's "
                                    "recorder: unset APPLICATION_RECORDER_TOPIC")
            self.translog.store.prepare()
            self.recorder.add_writer(self.translog.write_in_transaction)  # type: ignore[attr-defined]
        # The verification read model, in each save's own transaction too (ledger.readmodel).
        self.readmodel = (ReadModel(self.mapper.to_domain_event, PayloadSeal.from_env(self.env))
                          if takes_writers(self.recorder) else None)
        if self.readmodel is not None and prepare_readmodel(self.env, self.recorder, self.mapper.to_domain_event):
            self.recorder.add_writer(self.readmodel.write_in_transaction)  # type: ignore[attr-defined]
        self.topic_index = TopicIndex(self.env, (t for cls in self.listed_events for t in topics_of(cls)))
        self.keep_topic_index(_may_create(self.env))

    def keep_topic_index(self, may_create: bool) -> None:
        """Write the index of listed kinds in each save (made and filled first where `may_create`)."""
        index = self.topic_index
        if (takes_writers(self.recorder) and index.prepare(self.recorder, may_create)
                and index.write_in_transaction not in self.recorder.writers):  # type: ignore[attr-defined]
            self.recorder.add_writer(index.write_in_transaction)  # type: ignore[attr-defined]

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return construct_factory(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def sign_with(self, signer: SaveSigner) -> None:
        """Sign every later save with this credential (the command line loads it once it knows who acts)."""
        if not takes_writers(self.recorder):
            raise RuleViolation("signer-needs-own-recorder", "signed saves are written by certledger's recorder")
        self.signer = self.save_signatures.signer = signer
        if self.save_signatures not in self.recorder.writers:  # type: ignore[attr-defined]
            self.recorder.add_writer(self.save_signatures)  # type: ignore[attr-defined]

    def _record(self, processing_event: Any) -> Any:
        check_actor(self.signer, processing_event.events)  # an event naming another actor: nothing written
        if self.readmodel is None:
            return super()._record(processing_event)
        with self.readmodel.staging(processing_event.aggregates):  # their rows, written in the save's transaction
            return super()._record(processing_event)

    def staging_imported(self, events: Sequence[Any]) -> AbstractContextManager[None]:
        """Around a bulk write of creation events (ledger.bulk): the read model projects them as they are."""
        return nullcontext() if self.readmodel is None else self.readmodel.staging_events(events)

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self.now().astimezone(CHINA).date()

    # ------------------------------------------------------------------ saving
    def _save(self, *aggregates: Aggregate | None, duplicate: str | None = None) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            if duplicate:
                raise AlreadyExists(duplicate) from None
            raise Conflict("another writer changed the same record first; nothing was written, "
                           "look again and retry") from None

    # ----------------------------------------------------------------- loading
    def _get(self, aggregate_id: UUID, what: str) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {what}") from None

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def _editions(self, number: str) -> list[Certificate]:
        """Every edition of a certificate number, oldest first."""
        number = normalise_number(number)
        first: Certificate = self._get(certificate_id(number, 1), f"certificate numbered {number}")
        editions = [first]
        while editions[-1].superseded is not None:
            editions.append(self._get(editions[-1].superseded.by, "successor edition"))
        return editions

    def _current(self, number: str) -> Certificate:
        return self._editions(number)[-1]

    def _proof(self, number: str) -> Proof:
        return self._get(proof_id(normalise_number(number)), f"proof numbered {number}")  # type: ignore[no-any-return]

    def _request(self, number: str) -> ServiceRequest:
        return self._get(  # type: ignore[no-any-return]
            request_id(normalise_number(number)), f"service request numbered {number}")

    def _key(self, kid: str) -> SigningKey:
        return self._get(signing_key_id(kid), f"signing key {kid}")  # type: ignore[no-any-return]

    def _document(self, number: str) -> Document:
        text = normalise_number(number)
        if kind_of_number(text) is NumberKind.PROOF:
            return self._proof(text)
        return self._current(text)

    def _catalog(self) -> Catalog:
        try:
            return self.repository.get(CATALOG_ID)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            raise RuleViolation("catalog-missing",
                                "no occupation catalog is loaded: run certledger init or catalog load") from None

    def catalog(self) -> CatalogVersion:
        return self._catalog().current_version()

    # ----------------------------------------------------------- notifications
    def _notifications(self, event_class: type) -> Iterator[Notification]:
        """Every stored event of a class, oldest first, read page by page by its topics (the class's own
        and those it was stored under before it moved)."""
        topics = topics_of(event_class)
        if self.topic_index.covers(topics):
            yield from self.topic_index.notifications(self.recorder, topics)
            return
        start = None
        while True:
            page = self.recorder.select_notifications(start=start, limit=self.notification_page, topics=topics)
            yield from page
            if len(page) < self.notification_page:
                return
            start = page[-1].id + 1

    def _ids_created_as(self, event_class: type) -> list[UUID]:
        return [UUID(str(n.originator_id)) for n in self._notifications(event_class)]
