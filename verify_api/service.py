"""The verification service without HTTP: a token, a PDF or a number + name in, a verdict out.

One per worker process. It holds the ledger (read-only), the trust list (the latest the ledger
recorded, else the file; reloaded when either changes) with the Verifier built on it, and the
recorder of verification counts.
"""

from __future__ import annotations

import hmac
import logging
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ledger.application import CertLedger
from ledger.errors import LedgerError
from ledger.readmodel import Reader, ReadModelMissing, reader_for
from ledger.verification_record import VerificationRecord
from ledger.views import CertificateView, ProofView
from signing.checks import Check, DocumentStatus, Outcome, document_status, outcome_of_state, signed_tokens
from signing.verify import PdfVerification, TokenVerification, Verifier
from verify_api.changes import changes_for
from verify_api.history import PublishedHistory
from verify_api.records import PostgresSink, SqliteSink, VerificationRecorder
from verify_api.settings import ServiceSettings
from verify_api.standby import Placement, StoreStatus, placement
from verify_api.transparency import PublishedLog
from verify_api.trust import LoadedTrust, TrustSource
from verify_api.verdict import DocumentFacts, Successor, Verdict
from verify_api.views import CachedViews, RecordSource

log = logging.getLogger("verify_api")
READ_THREADS = 2


class LedgerUnavailable(Exception):
    """The configured ledger cannot be opened (missing, or the store is down)."""


def open_ledger(settings: ServiceSettings) -> CertLedger:
    """The configured store, read-only: never creates tables (`certledger init` does)."""
    if settings.store == "memory":
        raise LedgerUnavailable("the memory store lives in one process: serve a sqlite or postgres ledger")
    if settings.store == "sqlite" and not settings.sqlite_file.is_file():
        raise LedgerUnavailable(f"no ledger at {settings.sqlite_file}: run certledger init")
    return CertLedger(env=settings.eventsourcing_env(), transparency_log=settings.transparency_log)


def open_records(settings: ServiceSettings) -> Reader | None:
    """The verification read model's reader; None (the ledger's reads, said once in the log) without one."""
    if settings.store == "memory":
        return None
    reader = reader_for(settings.eventsourcing_env(), connections=READ_THREADS)
    if reader is None:
        return None
    try:
        reader.check()
    except ReadModelMissing as e:
        log.warning("%s; meanwhile verdicts are read from the events (slower)", e)
        return None
    return reader


def _same(a: tuple[object, int, object], b: tuple[object, int, object]) -> bool:
    return a[0] is b[0] and a[1] == b[1] and a[2] is b[2]


def _normal_name(name: str) -> bytes:
    # Full-width and half-width forms, and stray spaces, are the same name to a person.
    return "".join(unicodedata.normalize("NFKC", name).split()).encode("utf-8")


class VerificationService:
    def __init__(self, settings: ServiceSettings, ledger: CertLedger, trust: TrustSource,
                 recorder: VerificationRecorder | None = None, status: StoreStatus | None = None,
                 writes: Placement | None = None) -> None:
        self.settings = settings
        self.store_status = status  # PostgreSQL: whether the server is a standby, and its replay lag
        self.writes = writes or Placement("ledger" if settings.store == "postgres" else "local",
                                          settings.postgres() if settings.store == "postgres" else None)
        self.ledger = ledger
        self.trust = trust
        self.recorder = recorder
        changes, check_every = changes_for(settings.store, settings.sqlite_file, settings.postgres()
                                           if settings.store == "postgres" else {}, ledger.recorder,
                                           settings.cache_size, settings.cache_check_seconds)
        self.records = open_records(settings) if settings.read_model else None
        # What /healthz says of the verdicts' source: the read model, or the events (turned off, or none kept).
        self.read_model = "in use" if self.records is not None else "off" if not settings.read_model else "missing"
        history = PublishedHistory(settings.checkpoint_history_path, settings.keys_path)
        self.log = PublishedLog(ledger, settings.log_reload_seconds, settings.cache_size, history, self.records)
        source = RecordSource(self.records, ledger, self.log.latest_size) if self.records is not None else None
        self.views = CachedViews(ledger, changes, settings.cache_size, check_every, source=source)
        self._verifier: Verifier | None = None
        self._verifier_trust: LoadedTrust | None = None
        self._facts: dict[str, tuple[CertificateView | ProofView | VerificationRecord, DocumentFacts]] = {}
        # Token text -> (what the verdict rested on, the verdict, the document it counts under): remembered_token.
        self._verdicts: dict[str, tuple[tuple[object, int, object], Verdict, str]] = {}
        # A network store's reads run in two threads of the worker's own (verify_api/deps.py, ledger_read), each
        # on a read-model connection of its own (open_records): forty threads of the default pool queued for the
        # interpreter (first scans on PostgreSQL: 741/s with them, 866/s with two on one connection), and four
        # threads on four connections gave less than two (1,060-1,400/s beside 1,440-1,690/s, measured).
        self.reads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="certledger-read")

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> VerificationService:
        """Open the ledger and the trust list as configured; start the recorder if records are on."""
        ledger = open_ledger(settings)
        trust = TrustSource(settings.trust_list_path, settings.root_certificate_path, settings.trust_reload_seconds,
                            recorded=ledger)
        # A hot standby takes no writes: the counts (and the rate limits, verify_api/deps.py) go elsewhere.
        status = StoreStatus(settings.postgres()) if settings.store == "postgres" else None
        writes = placement(settings, status)
        recorder = None
        if settings.verify_records:
            sink: SqliteSink | PostgresSink
            sink = PostgresSink(writes.postgres) if writes.postgres else SqliteSink(settings.records_path)
            recorder = VerificationRecorder(sink).start()
        return cls(settings, ledger, trust, recorder, status, writes)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        self.views.close()
        if self.records is not None:
            self.records.close()
        if self.store_status is not None:
            self.store_status.close()
        self.reads.shutdown(wait=True, cancel_futures=True)
        self.ledger.close()

    def verifier(self) -> Verifier:
        """The Verifier on the trust list in force (a new one when the list was reloaded)."""
        loaded = self.trust.current()
        if loaded is not self._verifier_trust or self._verifier is None:
            self._verifier = Verifier(loaded.trust, self.views, remember=self.settings.cache_size)
            self._verifier_trust = loaded
        return self._verifier

    # ------------------------------------------------------------------ tokens
    def verify_token(self, text: str) -> Verdict:
        """A scanned token or URL; raises MalformedToken when it is not a certledger code at all."""
        before = self._grounds()
        result = self.verifier().verify_token(text)
        verdict = self._checked(result)
        self._record(verdict, "token", result, forged="-")
        if before is not None and result.document is not None:
            self._remember(text, before, verdict, result.document.number)
        return verdict

    def _remember(self, text: str, before: tuple[object, int, object], verdict: Verdict, reference: str) -> None:
        """Keep a verdict for remembered_token only if nothing it rests on moved while it was being made."""
        after = self._grounds()
        if after is None or not _same(before, after):
            return
        if len(self._verdicts) >= max(self.settings.cache_size, 1):
            self._verdicts.clear()
        self._verdicts[text] = (before, verdict, reference)

    def remembered_token(self, text: str) -> Verdict | None:
        """verify_token's verdict on this text when it gave one before and nothing it rests on can have changed
        since, told without reading anything: the trust list not due for a check, the store's change counter
        answered locally (SQLite's PRAGMA, the PostgreSQL poller) and unmoved, the log's head not due for a
        re-read. What lets a network store's worker answer a repeated scan in its event loop. None: verify it."""
        known = self._verdicts.get(text)
        if known is None:
            return None
        grounds = self._grounds()
        if grounds is None or not _same(known[0], grounds):
            return None
        if self.recorder is not None:
            self.recorder.record(known[2], known[1].outcome, "token")
        return known[1]

    def _grounds(self) -> tuple[object, int, object] | None:
        """The trust list, the cache's generation and the log's head in force, or None if any needs a read."""
        if self.settings.cache_size <= 0:
            return None
        trust, generation, head = self.trust.fresh(), self.views.generation(), self.log.fresh_head()
        if trust is None or generation is None or head is None:
            return None
        return trust, generation, head[0]

    # -------------------------------------------------------------------- PDFs
    def verify_pdf(self, data: bytes) -> Verdict:
        """Every check of an uploaded PDF; raises signing's MalformedDocument for a file that is no PDF."""
        result = self.verifier().verify_pdf(data)
        verdict = self._checked(result)
        self._record(verdict, "pdf", result, forged=None)
        return verdict

    # ------------------------------------------------------------------ lookup
    def lookup(self, number: str, name: str) -> Verdict | None:
        """The current edition of a certificate (or a proof) when number and holder name both match, else None."""
        text = number.strip().upper()
        if not text or text.startswith("SQ-"):
            return None
        try:
            view = self.ledger.show(text)
        except LedgerError:
            return None
        if not isinstance(view, CertificateView | ProofView):
            return None
        if not hmac.compare_digest(_normal_name(view.data.holder_name), _normal_name(name)):
            return None
        status = document_status(view)
        verdict = self._verdict(outcome_of_state(status.state), (), view, status, with_log=False)  # no log here
        if self.recorder is not None:
            self.recorder.record(status.number, verdict.outcome, "lookup")
        return verdict

    # ----------------------------------------------------------------- helpers
    def _checked(self, result: TokenVerification | PdfVerification) -> Verdict:
        """The verdict on a run of checks: the outcome is the result's own (derived from its reasons)."""
        return self._verdict(result.outcome, result.checks(), result.view, result.document)

    def _verdict(self, outcome: Outcome, checks: tuple[Check, ...],
                 view: CertificateView | ProofView | VerificationRecord | None,
                 status: DocumentStatus | None, *, with_log: bool = True) -> Verdict:
        if outcome is Outcome.NOT_GENUINE or view is None or status is None:
            # Nothing of the ledger is shown for a code or file that did not verify.
            return Verdict(Outcome.NOT_GENUINE, checks)
        successor = self._successor(status.superseded_by) if outcome is Outcome.SUPERSEDED else None
        inclusion = self.log.for_document(status.number, view) if with_log else None
        return Verdict(outcome, checks, self._facts_of(status.number, view), status, successor, inclusion)

    def _facts_of(self, reference: str, view: CertificateView | ProofView | VerificationRecord) -> DocumentFacts:
        # The cached views are the same objects until the ledger changes: derive their facts once.
        known = self._facts.get(reference)
        if known is not None and known[0] is view:
            return known[1]
        if len(self._facts) >= max(self.settings.cache_size, 1):
            self._facts.clear()
        facts = DocumentFacts.of(view)
        self._facts[reference] = (view, facts)
        return facts

    def _view(self, reference: str) -> CertificateView | ProofView | VerificationRecord | None:
        try:
            return self.views.document_by_reference(reference)
        except (LedgerError, IndexError, ValueError):  # unknown number, or an edition that does not exist
            return None

    def _successor(self, reference: str | None) -> Successor | None:
        if not reference:
            return None
        view = self._view(reference)
        if view is None:
            return Successor(reference, "unknown", None)
        tokens = signed_tokens(view)
        return Successor(reference, view.status, f"/v/{tokens[-1]}" if tokens else None)

    def _record(self, verdict: Verdict, via: str, result: TokenVerification | PdfVerification,
                forged: str | None) -> None:
        """Count a verification under the document the ledger joined to it. A code or file whose signature
        did not hold can name any document: it counts under `forged` ("-", the forged tokens), or not at all."""
        reference = result.document.number if result.document is not None else forged
        if self.recorder is not None and reference:
            self.recorder.record(reference, verdict.outcome, via)

    def health(self) -> dict[str, Any]:
        """Whether this worker can verify: a trust list loaded and the ledger readable; on PostgreSQL, whether
        the server is a standby and how far its replay is behind (`lagging` past max_replay_lag_seconds); whether
        first scans read the verification read model (`read_model`: "in use", "off" by CERTLEDGER_READ_MODEL, or
        "missing": the store keeps none, verdicts come from the events until `audit rebuild-views`)."""
        loaded = self.trust.current()
        self.ledger.recorder.max_notification_id()
        health: dict[str, Any] = {"status": "ok", "trust_list_issued_at": loaded.trust.issued_at.isoformat(),
                                  "keys": len(loaded.trust.keys), "read_model": self.read_model}
        if self.store_status is not None:
            store = health["store"] = {**self.store_status.report(), "writes": self.writes.where}
            lag, limit = store.get("replay_lag_seconds"), self.settings.max_replay_lag_seconds
            if lag is not None and limit > 0 and lag > limit:
                health["status"] = "lagging"
        return health
