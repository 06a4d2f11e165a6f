"""The audit of signed saves: every stored event is covered by exactly one save signature (or brought in by
a verified `audit repair`), the signature verifies, its credential chains through an office key recorded in
the ledger to the pinned root and was valid when it signed, and its office had authority for what the
events do. Each violation is a forgery, named at its event like the log's divergences.

Run inside the log audit's one pass over the events (ledger.audit calls `event` per row, `finish` at the
end): per event it hashes the row and decodes the state only to read who acted and, for documents, whose
they are; the Ed25519 signature is checked once per save, each certificate once per credential.
Cryptography is injected (`CredentialChecks`, made in keys): the ledger imports nothing of the project.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson

from ledger.audit import Divergence, StoredEvent
from ledger.audit_authority import BATCH, DOCUMENT, IMPORT, REQUEST_FILED, Authorities, kind_of
from ledger.audit_batches import SignatureBatches
from ledger.log_repair import rows_digest
from ledger.save_signing import SaveDigest, SignatureRow, signed_message_text
from ledger.translog import record_bytes


class CredentialChecks(Protocol):
    """The cryptography the audit needs (keys.credentials.SaveVerifier)."""

    def describe(self, certificate_pem: str) -> tuple[str, str, str, datetime, datetime] | None: ...
    def issued_by(self, certificate_pem: str, issuer_pem: str | None = None) -> bool: ...
    def verifies(self, certificate_pem: str, message: bytes, signature: bytes) -> bool: ...
    def trust_list_problem(self, jws: str, keys: Sequence[Any]) -> str | None: ...


@dataclass
class EnrolledCredential:
    credential: str
    operator: str
    office: str
    certificate_pem: str
    issuer_kid: str
    not_before: datetime
    not_after: datetime
    revoked_after: int | None = None  # the notification id of its revocation: later saves are forgeries

    def __post_init__(self) -> None:  # what its events' stored JSON holds (the library writes UTF-8, unescaped)
        self.office_json = b'"office":' + orjson.dumps(self.office)
        self.operator_json = b'"operator":' + orjson.dumps(self.operator)


@dataclass
class RecordedKey:
    kid: str
    office: str
    certificate_pem: str
    compromised_at: datetime | None = None
    revoked_after: int | None = None


@dataclass(frozen=True)
class RepairAttestation:
    """An `audit repair` event's word for rows no save wrote (ledger contract 4): their notification ids
    and the SHA-256 over their stored rows (`row_bytes`, in id order). The repair event itself must be in
    a signed save; its ids then count as covered."""

    notification_id: int
    notification_ids: frozenset[int]
    rows_sha256: bytes


@dataclass
class Registry:
    """What the store records about credentials, keys and repairs (read before the pass)."""

    credentials: dict[str, EnrolledCredential] = field(default_factory=dict)
    keys: dict[str, RecordedKey] = field(default_factory=dict)
    repairs: list[RepairAttestation] = field(default_factory=list)
    owners: dict[Any, str] = field(default_factory=dict)  # a key's or credential's aggregate id -> its office


Decode = Callable[[bytes], bytes]  # stored state -> JSON (the cipher and compressor undone)


_AMBIGUOUS = object()
_FORK_FROM = 2000  # saves: with fewer, forking the signature workers costs more than it saves


def _plain_value(state: bytes, key: bytes) -> Any:
    """The string value of `key` (b'"name":"') where it occurs once, unescaped; None if absent; else _AMBIGUOUS."""
    at = state.find(key)
    if at < 0:
        return None
    start = at + len(key)
    end = state.find(b'"', start)
    if end < 0 or state.find(key[:-1], start) >= 0 or b"\\" in state[start:end]:
        return _AMBIGUOUS
    try:
        return state[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return _AMBIGUOUS


def _short(topic: str) -> str:
    return topic.rsplit(":", 1)[-1]


class _Save:
    """The signature row being walked, with its rows' running digest."""

    def __init__(self, row: SignatureRow) -> None:
        self.first, self.last, self.credential, self.at_text, self.signature = row
        self.digest = SaveDigest()
        self.problem: str | None = None  # of its credential, found at its first event
        self.seen = 0


class SaveAudit:
    def __init__(self, signatures: Sequence[SignatureRow], registry: Registry, checks: CredentialChecks,
                 decode: Decode, noted: Sequence[Divergence] = ()) -> None:
        self._noted = list(noted)  # found before the pass (the recorded trust lists'): noted at its end
        self._rows = list(signatures)
        self._next = 0
        self._save: _Save | None = None
        self._registry, self._checks, self._decode = registry, checks, decode
        self._trusted: dict[str, str | None] = {}  # credential -> problem (None: chains to the root)
        self._authorities = Authorities()  # whose each document and request is (ledger.audit_authority)
        # topic -> what its events do (ledger.audit_authority.kind_of), and whether they record a proof
        self._kinds: dict[str, tuple[int, bool]] = {}
        self._plain = decode is bytes  # no cipher, no compressor: a stored state is its JSON
        self._repaired = {nid: r for r in registry.repairs for nid in r.notification_ids}
        self._repair_rows: dict[int, list[tuple[int, bytes]]] = {}
        self._note: Callable[[Divergence], None] = lambda d: None
        self._position = 0
        self._first_event: StoredEvent | None = None
        self._batches = SignatureBatches(self._verify, 0)

    @property
    def signatures(self) -> int:
        """The save signatures this audit checks (one per save)."""
        return len(self._rows)

    def start(self, note: Callable[[Divergence], None]) -> None:
        """Before the pass, in the process that makes it: the signature workers are forked here."""
        self._note = note
        cores = os.cpu_count() or 1
        self._batches = SignatureBatches(self._verify, cores if cores > 1 and len(self._rows) >= _FORK_FROM else 0)

    # ------------------------------------------------------------------ the pass
    def event(self, e: StoredEvent, position: int, record: bytes | None = None) -> None:
        """One stored row; `record`: its record bytes when the log's replay made them already."""
        self._position = position
        save = self._save
        if save is None or not save.first <= e.notification_id <= save.last:
            save = self._covering(e)
        if save is None:
            if e.notification_id in self._repaired:
                self._repair_rows.setdefault(self._repaired[e.notification_id].notification_id, []).append(
                    (e.notification_id, record if record is not None
                     else record_bytes(e.originator_id, e.version, e.topic, e.state)))
                return
            self._forgery(e, "no save signature covers this event (a row no credential signed)")
            return
        if save.seen == 0:
            self._first_event = e
            save.problem = self._credential_problem(save)
        save.seen += 1
        if record is None:
            save.digest.add(*e)
        else:
            save.digest.add_record(e.notification_id, record)
        if save.problem is None:
            self._check_actor(e, self._registry.credentials[save.credential])
        if e.notification_id == save.last:
            self._close()

    def finish(self) -> None:
        if self._save is not None:
            self._close()
        for e, first, credential in self._batches.failed():
            self._bad_signature(e, first, credential)
        for d in self._noted:
            self._note(d)
        for row in self._rows[self._next:]:
            self._note(Divergence(None, row[0], None, None, f"a save signature covers notifications {row[0]}-"
                                  f"{row[1]} but the store has no such events (deleted, or a forged signature row)"))
        for repair in self._registry.repairs:
            rows = self._repair_rows.get(repair.notification_id, [])
            if len(rows) != len(repair.notification_ids) or rows_digest(rows) != repair.rows_sha256.hex():
                self._note(Divergence(None, repair.notification_id, None, "Repaired",
                                      "the repair's rows differ from those it attested (their SHA-256 or count)"))

    # ------------------------------------------------------------- the saves
    def _covering(self, e: StoredEvent) -> _Save | None:
        nid = e.notification_id
        if self._save is not None and nid > self._save.last:
            self._close()
        while self._save is None and self._next < len(self._rows) and self._rows[self._next][1] < nid:
            row = self._rows[self._next]  # a range with no events left: they were deleted
            self._note(Divergence(None, row[0], None, None, f"the save signature of notifications {row[0]}-{row[1]} "
                                  "covers no stored event"))
            self._next += 1
        if self._save is None and self._next < len(self._rows) and self._rows[self._next][0] <= nid:
            self._save = _Save(self._rows[self._next])
            self._next += 1
            if self._next < len(self._rows) and self._rows[self._next][0] <= self._save.last:
                self._note(Divergence(None, self._rows[self._next][0], None, None, "two save signatures cover "
                                      f"the same notifications ({self._save.first}-{self._save.last})"))
        return self._save if self._save is not None and self._save.first <= nid <= self._save.last else None

    def _close(self) -> None:
        save, self._save = self._save, None
        assert save is not None
        e = self._first_event
        if save.problem is not None:
            self._forgery(e, save.problem, save)
            return
        cred = self._registry.credentials[save.credential]
        if save.seen != save.last - save.first + 1:
            self._forgery(e, f"the save of notifications {save.first}-{save.last} has {save.seen} of its events: "
                          "some were deleted or renumbered", save)
            return
        message = signed_message_text(save.first, save.last, save.credential, save.at_text, save.digest.digest())
        try:
            at = datetime.fromisoformat(save.at_text)
            valid = cred.not_before <= at <= cred.not_after
        except (ValueError, TypeError):
            valid = False
        if valid:  # the signature is checked in a batch, on another core where there is one (`finish`)
            self._batches.add(save.credential, message, save.signature, (e, save.first, save.credential))
        elif not self._checks.verifies(cred.certificate_pem, message, save.signature):
            self._bad_signature(e, save.first, save.credential)
        else:
            self._forgery(e, f"the credential of {cred.operator} @ {cred.office} was not valid at {save.at_text}",
                          save)

    def _bad_signature(self, e: StoredEvent | None, first: int, credential: str) -> None:
        cred = self._registry.credentials[credential]
        self._forgery(e, f"the save signature by {cred.operator} @ {cred.office} does not verify over the stored "
                      "rows: they were altered, or the signature was not made by that credential", first)

    def _verify(self, credential: str, message: bytes, signature: bytes) -> bool:
        return self._checks.verifies(self._registry.credentials[credential].certificate_pem, message, signature)

    def _credential_problem(self, save: _Save) -> str | None:
        cred = self._registry.credentials.get(save.credential)
        if cred is None:
            return f"signed by credential {save.credential[:16]}, which the ledger never enrolled"
        if cred.revoked_after is not None and save.first > cred.revoked_after:
            return f"signed by the credential of {cred.operator} @ {cred.office} after its revocation"
        key = self._registry.keys.get(cred.issuer_kid)
        if key is not None and key.revoked_after is not None and save.first > key.revoked_after:
            return f"signed by a credential of office key {key.kid}, after that key was revoked"
        if cred.credential not in self._trusted:
            self._trusted[cred.credential] = self._chain_problem(cred, key)
        return self._trusted[cred.credential]

    def _chain_problem(self, cred: EnrolledCredential, key: RecordedKey | None) -> str | None:
        described = self._checks.describe(cred.certificate_pem)
        if described is None or described[:3] != (cred.credential, cred.operator, cred.office):
            return f"credential {cred.credential[:16]}: its certificate does not state what its enrolment records"
        if key is None:
            return f"credential {cred.credential[:16]}: issued by key {cred.issuer_kid}, never recorded"
        if key.office != cred.office:
            return f"credential {cred.credential[:16]} of office {cred.office} issued by key {key.kid} of {key.office}"
        if not self._checks.issued_by(key.certificate_pem):
            return f"office key {key.kid}: its certificate was not issued by the pinned root"
        if not self._checks.issued_by(cred.certificate_pem, key.certificate_pem):
            return f"credential {cred.credential[:16]}: its certificate was not issued by office key {key.kid}"
        if key.compromised_at is not None and cred.not_before >= key.compromised_at:
            return f"credential {cred.credential[:16]} was issued after office key {key.kid} was compromised"
        return None

    # ------------------------------------------------------------- the events
    def _check_actor(self, e: StoredEvent, cred: EnrolledCredential) -> None:
        """The event's office and operator are the credential's; a document's, its issuing authority's.

        Fast path, on the state's bytes: a JSON key cannot occur inside a string (its quotes would be escaped),
        so a key found once is the key, and `"office":"1500"` found where `"office":` occurs once means the
        office is exactly 1500. Anything else (a key absent, repeated, escaped, another value) is decoded in
        full, as the library reads it, and named from there."""
        known = self._kinds.get(e.topic)
        if known is None:
            known = self._kinds[e.topic] = (kind_of(str(e.topic)), _short(str(e.topic)).endswith(".ProofRecorded"))
        kind, proof_recorded = known
        state = e.state if self._plain and type(e.state) is bytes else self._decode(e.state)
        if (state.count(b'"office":') != 1 or cred.office_json not in state or state.count(b'"operator":') != 1
                or cred.operator_json not in state):
            self._check_decoded(e, state, cred, kind)
            return
        owner = self._registry.owners.get(e.originator_id)
        if (owner is not None and owner != cred.office) or kind >= REQUEST_FILED:
            self._check_decoded(e, state, cred, kind)
        elif kind and (proof_recorded or b'"issuer":' in state):
            self._check_decoded(e, state, cred, kind)  # a proof the examination centre issued: read in full
        elif kind:
            authority = _plain_value(state, b'"authority":"') if e.version == 1 else None
            if authority is _AMBIGUOUS:
                self._check_decoded(e, state, cred, kind)
            else:
                self._check_authority(e, authority, cred.office, kind)

    def _check_decoded(self, e: StoredEvent, state: bytes, cred: EnrolledCredential, kind: int) -> None:
        try:
            decoded = orjson.loads(state)
            office, operator = decoded.get("office"), decoded.get("operator")
        except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError):
            self._forgery(e, "the stored state cannot be read")
            return
        if office is not None and office != cred.office:
            self._forgery(e, f"the event names office {office} but is signed by a credential of {cred.office}")
        elif operator is not None and operator != cred.operator:
            self._forgery(e, f"the event names operator {operator} but is signed by {cred.operator}'s credential")
        elif office is not None and self._registry.owners.get(e.originator_id, office) != office:
            self._forgery(e, f"office {office} had no authority here: the key or credential belongs to office "
                          f"{self._registry.owners[e.originator_id]}")
        elif kind in (DOCUMENT, IMPORT) and office is not None:
            data = decoded.get("data") if e.version == 1 else None
            authority = decoded.get("issuer") or (data.get("authority") if isinstance(data, dict) else None)
            proof_kind = decoded.get("kind") if _short(str(e.topic)).endswith(".ProofRecorded") else None
            self._check_authority(e, authority if isinstance(authority, str) else None, office, kind, proof_kind)
        elif kind >= REQUEST_FILED:
            problem = (self._authorities.batch(decoded, cred.office) if kind == BATCH
                       else self._authorities.request(e.originator_id, decoded, cred.office, kind))
            if problem is not None:
                self._forgery(e, problem)

    def _check_authority(self, e: StoredEvent, created: str | None, office: str, kind: int,
                         proof_kind: Any = None) -> None:
        """The domain's rule (谁发证谁负责), as ledger.audit_authority states it."""
        problem = self._authorities.document(e.originator_id, created, office, kind, proof_kind)
        if problem is not None:
            self._forgery(e, problem)

    def _forgery(self, e: StoredEvent | None, problem: str, save: _Save | int | None = None) -> None:
        """At its event's position (an event's own problem), or at its save (`save`: the save, or its first id)."""
        if e is None:
            first = save.first if isinstance(save, _Save) else save
            self._note(Divergence(None, first, None, None, f"forgery: {problem}"))
            return
        self._note(Divergence(self._position if save is None else None, e.notification_id, str(e.originator_id),
                              _short(str(e.topic)), f"forgery: {problem}"))


REPAIR_TOPICS: list[str] = ["ledger.log_repair:LogRepair.RowsBroughtIn"]  # the topic of `audit repair` events


def registry_from(events: Iterable[tuple[int, Any]]) -> Registry:
    """The registry from the (notification id, domain event) of credential, key and repair events, in order."""
    from ledger.credential import Credential
    from ledger.signing_key import SigningKey

    reg = Registry()
    by_uuid: dict[Any, EnrolledCredential] = {}
    keys_by_uuid: dict[Any, RecordedKey] = {}
    for nid, ev in events:
        if isinstance(ev, Credential.Enrolled):
            by_uuid[ev.originator_id] = reg.credentials[ev.credential] = EnrolledCredential(
                ev.credential, ev.holder, ev.holder_office, ev.certificate_pem, ev.issuer_kid, ev.not_before,
                ev.not_after)
            _own(reg, ev.originator_id, ev.holder_office)
        elif isinstance(ev, Credential.Revoked) and ev.originator_id in by_uuid and (
                ev.office == by_uuid[ev.originator_id].office):  # another office's is a forgery, not a revocation
            by_uuid[ev.originator_id].revoked_after = nid
        elif isinstance(ev, SigningKey.Registered):
            keys_by_uuid[ev.originator_id] = reg.keys[ev.kid] = RecordedKey(ev.kid, ev.office, ev.certificate_pem)
            _own(reg, ev.originator_id, ev.office)
        elif isinstance(ev, SigningKey.Revoked) and ev.originator_id in keys_by_uuid and (
                ev.office == keys_by_uuid[ev.originator_id].office):
            key = keys_by_uuid[ev.originator_id]
            key.compromised_at, key.revoked_after = ev.compromised_at, nid
        elif hasattr(ev, "notification_ids") and hasattr(ev, "rows_sha256"):
            reg.repairs.append(RepairAttestation(nid, frozenset(int(i) for i in ev.notification_ids),
                                                 bytes.fromhex(ev.rows_sha256)))
    return reg


def _own(reg: Registry, originator_id: Any, office: str) -> None:
    """By every form a stored row's aggregate id takes (a UUID; SQLite's hex text)."""
    reg.owners[originator_id] = reg.owners[originator_id.hex] = reg.owners[str(originator_id)] = office
