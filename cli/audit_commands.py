"""`certledger audit …`: the transparency log's checkpoints, the auditor's replay, offline bundles."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import log_anchors, output
from cli.output import emit
from cli.wiring import key_store, open_ledger, save_verifier, settings, trust_list
from ledger.errors import InvalidInput

audit_app = typer.Typer(no_args_is_help=True, help="Transparency log: checkpoints, replay audit, offline bundles.")
BUNDLE_FORMAT = "certledger-audit-bundle/3"  # /3: leaf lines may carry their scheme-2 salt
# /1: the log only (its saves are not checked); /2: with the save signatures, every leaf of scheme 1
BUNDLE_FORMATS = ("certledger-audit-bundle/1", "certledger-audit-bundle/2", BUNDLE_FORMAT)


def _verifier(trust: Any) -> Any:
    """verify(kid, body, signature) for a legacy checkpoint: a key of the trust list, valid when it was signed.

    `trust` is a callable giving the trust list, read only when a legacy checkpoint is met."""
    def verify(kid: str, body: bytes, signature: bytes) -> bool:
        key = trust().keys.get(kid)
        if key is None or not key.verify(body, signature):
            return False
        when = body.decode().splitlines()[3] if body.count(b"\n") >= 4 else ""
        from datetime import datetime

        try:
            return bool(key.may_sign_at(datetime.fromisoformat(when))[0])
        except ValueError:
            return False

    return verify


def _once(load: Any) -> Any:
    """load(), called the first time it is needed and remembered."""
    held: list[Any] = []

    def get() -> Any:
        if not held:
            held.append(load())
        return held[0]

    return get


@audit_app.command("log-key")
def log_key(
    init: Annotated[bool, typer.Option("--init", help="Create the log key (CERTLEDGER_LOG_KEY_PASSPHRASE).")] = False,
    origin: Annotated[str | None, typer.Option(help="With --init: the log's name (default: <verify host>/log).")]
    = None,
) -> None:
    """Print the log's verifier key `<name>+<hash>+<base64>` (as Go's sumdb/note writes it): what verifiers pin."""
    verifier = log_anchors.init_log_key(origin) if init else log_anchors.log_verifier()
    vkey = verifier.verifier_key()
    emit({"vkey": vkey, "origin": verifier.name, "key_id": f"{verifier.key_id:08x}"}, vkey)


@audit_app.command("checkpoint")
def checkpoint(
    every: Annotated[int, typer.Option(help="Keep taking one every this many seconds (0: once).")] = 0,
    count: Annotated[int, typer.Option(help="With --every: stop after this many (0: run until stopped).")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the signed note (C2SP tlog-checkpoint) here.")]
    = None,
) -> None:
    """Sign the log's head with the log key (a C2SP signed note) and append it to the checkpoint history.

    The history (outside the database) takes it only with a consistency proof from its last entry."""
    from keys.notekeys import head_signer

    ledger = open_ledger()
    signer = log_anchors.log_signer(ledger)
    taken = 0
    while True:
        cp = ledger.take_checkpoint(head_signer(signer))
        entry = log_anchors.record_in_history(ledger, cp, signer.verifier)
        if out is not None:
            _write_atomically(out, cp.note or b"")
        target = settings().checkpoint_history_path
        emit(cp.to_dict() | {"history_line": entry.line},
             f"checkpoint: {cp.size} events, root {cp.root.hex()[:16]}…, key {cp.key_id}, {cp.at.isoformat()} -> "
             f"{target} line {entry.line}" + (f", {out}" if out else ""))
        taken += 1
        if not every or (count and taken >= count):
            return
        time.sleep(every)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


@audit_app.command("verify")
def verify(
    bundle: Annotated[Path | None, typer.Option(help="Check an exported bundle, with no database.")] = None,
    root: Annotated[Path | None, typer.Option(help="The root certificate you pin (default: the key store's).")]
    = None,
    checkpoints: Annotated[list[Path] | None, typer.Option("--checkpoint", help="A signed checkpoint note kept "
                                                           "outside the database; the store must extend it "
                                                           "(repeatable).")] = None,
    log_key_: Annotated[str | None, typer.Option("--log-key", help="The log's verifier key you pin (default: "
                                                 "the key store's log.vkey).")] = None,
    keeper: Annotated[Path | None, typer.Option("--keeper-record", help="The root's keeper's directory (or a copy "
                                                "of its issued.jsonl and issued-*.cert.pem): every root-issued "
                                                "certificate the ledger holds must be in its record.")] = None,
) -> None:
    """Replay every event, recompute the log, every signed checkpoint and every checkpoint kept outside the
    database (the history, --checkpoint files); exit 13 at any divergence."""
    with output.progress() as bar:
        task = bar.add_task("replaying", total=None)
        if bundle is None:
            report = _verify_store(checkpoints or [], log_key_, root, lambda n: bar.advance(task, n), keeper)
        elif keeper is not None:
            raise InvalidInput("keeper-record", "checked against the store's keys: not with --bundle")
        else:
            report = _verify_bundle(bundle, checkpoints or [], log_key_, root, lambda n: bar.advance(task, n))
    if output.json_mode():
        emit(report.to_dict(), "")
    else:
        emit(None, report.summary())
        for d in report.divergences[1:10]:
            emit(None, f"  also: {d.describe()}")
    if not report.ok:
        raise SystemExit(output.EXIT_DIVERGENCE)


def _verify_store(files: list[Path], vkey: str | None, root: Path | None, progress: Any,
                  keeper: Path | None = None) -> Any:
    from keys.errors import KeyNotFound
    from keys.notekeys import note_verifier

    ledger = open_ledger()
    try:
        verifier = log_anchors.log_verifier(vkey)
    except KeyNotFound:
        if files:
            raise
        verifier = None  # a store that never signed a note: only legacy checkpoints to verify
    anchors, lines = log_anchors.anchors(verifier, files) if verifier is not None else ([], 0)
    report = ledger.audit(_verifier(_once(lambda: trust_list(None, root))), progress, save_verifier(root),
                          verify_note=note_verifier(verifier) if verifier else None, anchors=anchors)
    report = _with_missing_history(report, lines)
    if keeper is not None:
        from cli.keeper_check import with_keeper_problems

        report = with_keeper_problems(report, ledger, keeper, root)
    return report


def _with_missing_history(report: Any, lines: int) -> Any:
    """A store holding checkpoint notes with no history beside it: the history was removed (or never kept)."""
    import dataclasses

    from ledger.audit import Divergence

    notes = report.checkpoints - report.legacy
    path = settings().checkpoint_history_path
    if notes and not lines:
        missing = Divergence(None, None, None, None, f"the store holds {notes} signed checkpoint notes but the "
                             f"checkpoint history {path} is missing or empty: every checkpoint is appended there")
        return dataclasses.replace(report, divergences=(*report.divergences, missing))
    return report


def _verify_bundle(bundle: Path, files: list[Path], vkey: str | None, root: Path | None, progress: Any) -> Any:
    from keys.notekeys import note_verifier
    from keys.tlog import NoteVerifier, TlogError, open_checkpoint
    from keys.tlog.errors import located
    from keys.trustlist import load_trust_list
    from ledger.audit import Anchor, audit

    header, events, leaves, checkpoints, repairs = _read_bundle(bundle)
    pinned = root.read_bytes() if root else _default_root(header)
    trust = _once(lambda: load_trust_list(header["trust_list"].encode(), pinned))
    verifier = NoteVerifier.from_verifier_key(vkey) if vkey else _default_log_key(header)
    anchors = []
    for path in files:
        if verifier is None:
            raise InvalidInput("log-key", "a --checkpoint file needs the log's verifier key (--log-key)")
        try:
            cp = open_checkpoint(path.read_bytes(), verifier)
        except TlogError as e:
            raise located(f"checkpoint file {path}", e) from None
        anchors.append(Anchor(cp.size, cp.root, f"the checkpoint in {path}"))
    saves = _bundle_saves(header, events, pinned)
    report = audit(iter(events), lambda a, b: leaves[a:b], len(leaves), checkpoints, _verifier(trust), progress,
                   verify_note=note_verifier(verifier) if verifier else None, anchors=anchors, repairs=repairs,
                   saves=saves)
    return report if saves is None else dataclasses.replace(report, saves=saves.signatures)


def _bundle_saves(header: dict[str, Any], events: list[Any], pinned: bytes) -> Any:
    """The save audit of a bundle: every save's signature, credential chain and authority, offline; None for
    a bundle of the first format (it carries no save signatures: only its log is checked)."""
    from keys.credentials import SaveVerifier
    from ledger.application import CertLedger

    if header.get("format") == BUNDLE_FORMATS[0]:
        print("warning: a bundle of the first format carries no save signatures: only its log is checked",
              file=sys.stderr)
        return None
    return CertLedger(env={}).save_audit_of(header["saves"], events, SaveVerifier(pinned))


def _default_log_key(header: dict[str, Any]) -> Any:
    from keys.errors import KeyNotFound
    from keys.tlog import NoteVerifier

    try:
        return log_anchors.log_verifier()
    except KeyNotFound:
        pass
    if header.get("log_key"):
        print("warning: no pinned log key here (--log-key): trusting the log key the bundle carries", file=sys.stderr)
        return NoteVerifier.from_verifier_key(str(header["log_key"]))
    return None


def _default_root(header: dict[str, Any]) -> bytes:
    store_root = settings().keys_path / "root.cert.pem"
    if store_root.is_file():
        return store_root.read_bytes()
    emit(None, "warning: no pinned root here (--root): trusting the root the bundle carries")
    return str(header["root_certificate"]).encode()


@audit_app.command("export")
def export(out: Annotated[Path, typer.Option("--out", help="The bundle to write (gzip JSON lines).")]) -> None:
    """Events, log leaves, checkpoints and the trust list in one file, for `audit verify --bundle`."""
    from ledger.audit import events_from_recorder
    from ledger.save_signing import read_signatures

    ledger = open_ledger()
    log = ledger._translog()
    s = settings()
    header = {"format": BUNDLE_FORMAT, "exported_at": ledger.now().isoformat(),
              "trust_list": s.trust_list_path.read_text(), "root_certificate": key_store().root_certificate_pem(),
              "log_key": s.log_vkey_path.read_text().strip() if s.log_vkey_path.is_file() else None}
    n_events = n_leaves = 0
    tmp = out.with_name(f".{out.name}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"header": header}) + "\n")
        for cp in log.checkpoints():
            f.write(json.dumps({"checkpoint": cp.to_dict()}) + "\n")
        for row in read_signatures(ledger.recorder, ledger.save_signatures.memory):  # every save's signature
            first, last, credential, at, signature = row
            f.write(json.dumps({"save": [first, last, credential, at, base64.b64encode(signature).decode()]}) + "\n")
        for repair in ledger.repairs():  # what the audit holds the rows brought in by `audit repair` to
            f.write(json.dumps({"repair": repair.to_dict() | {"rows": list(repair.rows)}}, ensure_ascii=False) + "\n")
        size = log.size()
        for start in range(0, size, 5000):
            for nid, h, salt in log.store.logged(start, min(size, start + 5000)):  # a salt: leaf scheme 2
                f.write(json.dumps({"leaf": [nid, h.hex()] + ([] if salt is None else [salt.hex()])}) + "\n")
                n_leaves += 1
        for e in events_from_recorder(ledger.recorder):
            f.write(json.dumps({"event": [e.notification_id, str(e.originator_id), e.version, e.topic,
                                          base64.b64encode(bytes(e.state)).decode()]}) + "\n")
            n_events += 1
    tmp.replace(out)
    emit({"bundle": str(out), "events": n_events, "leaves": n_leaves},
         f"exported {n_events} events, {n_leaves} log leaves and the checkpoints to {out}")


def _read_bundle(path: Path) -> tuple[dict[str, Any], list[Any], list[tuple[int, bytes, bytes | None]], list[Any],
                                     list[Any]]:
    from ledger.audit import StoredEvent
    from ledger.log_repair import RepairRecord
    from ledger.translog import Checkpoint

    header: dict[str, Any] | None = None
    leaves: list[tuple[int, bytes, bytes | None]] = []  # notification id, hash, salt (None: leaf scheme 1)
    checkpoints: list[Checkpoint] = []
    events: list[StoredEvent] = []
    repairs: list[RepairRecord] = []
    saves: list[tuple[int, int, str, str, bytes]] = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                if "event" in item:
                    nid, oid, version, topic, state = item["event"]
                    events.append(StoredEvent(int(nid), oid, int(version), topic, base64.b64decode(state)))
                elif "leaf" in item:
                    leaf = item["leaf"]
                    salt = bytes.fromhex(leaf[2]) if len(leaf) > 2 else None  # a scheme-2 leaf's
                    leaves.append((int(leaf[0]), bytes.fromhex(leaf[1]), salt))
                elif "checkpoint" in item:
                    checkpoints.append(Checkpoint.from_dict(item["checkpoint"]))
                elif "repair" in item:
                    repairs.append(RepairRecord.from_dict(item["repair"]))
                elif "save" in item:
                    first, last, credential, at, signature = item["save"]
                    saves.append((int(first), int(last), str(credential), str(at), base64.b64decode(signature)))
                elif "header" in item:
                    header = item["header"]
    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:
        raise InvalidInput("bundle", f"not a readable certledger audit bundle ({type(e).__name__})") from None
    if header is None or header.get("format") not in BUNDLE_FORMATS:
        raise InvalidInput("bundle", f"not a {BUNDLE_FORMAT} file")
    header["saves"] = saves
    return header, events, leaves, checkpoints, repairs


@audit_app.command("inclusion")
def inclusion(
    reference: Annotated[str, typer.Argument(help="A proof number, or certificate number#edition.")],
    size: Annotated[int | None, typer.Option(help="Tree size (default: the latest checkpoint's).")] = None,
) -> None:
    """The inclusion proof of a document's latest event against a checkpoint (RFC 6962 audit path).

    A bare certificate number means its current edition. "pending" when the event came after the tree.
    """
    ledger = open_ledger()
    latest = ledger._translog().latest_checkpoint()
    proof = ledger.inclusion(reference, size if size is not None else (latest.size if latest else None))
    document, tree = proof["document"], proof["tree_size"]
    if proof["state"] == "pending":
        emit(proof, f"{document}: pending: its latest event is not in the tree of {tree} (take a checkpoint)")
        return
    leaf = proof["leaf"]
    header = (f"; its leaf (scheme 2) hashes notification {leaf['notification_id']}, {leaf['topic']} of "
              f"{leaf['aggregate_id']} version {leaf['version']}, state digest {leaf['state_digest']}"
              if leaf["scheme"] == 2 else "; its leaf is of scheme 1 (the stored record itself)")
    emit(proof, f"{document}: leaf index {proof['position']} (0-based) of {tree}, root {proof['root'][:16]}…, "
                f"{len(proof['proof'])} hashes: " + " ".join(h[:12] for h in proof["proof"]) + header)


@audit_app.command("rebuild-views")
def rebuild_views() -> None:
    """Rebuild the verification read model from the events (one transaction; saves wait meanwhile)."""
    count = open_ledger().rebuild_views()
    emit({"documents": count}, f"verification read model rebuilt from the events: {count} documents")


@audit_app.command("consistency")
def consistency(
    old: Annotated[int, typer.Argument(help="The earlier tree size.")],
    new: Annotated[int, typer.Argument(help="The later tree size.")],
    out: Annotated[Path | None, typer.Option("--out", help="Also write the proof as JSON here (what `certledger "
                                             "witness cosign --proof` reads).")] = None,
) -> None:
    """The consistency proof between two tree sizes (RFC 6962): the older is a prefix of the newer."""
    log = open_ledger()._translog()
    proof = [h.hex() for h in log.consistency_proof(old, new)]
    answer = {"old_size": old, "new_size": new, "old_root": log.root(old).hex(), "new_root": log.root(new).hex(),
              "proof": proof}
    if out is not None:
        _write_atomically(out, (json.dumps(answer, indent=2) + "\n").encode())
    emit(answer, f"{old} -> {new}: {len(proof)} hashes: " + " ".join(h[:12] for h in proof)
         + (f" -> {out}" if out else ""))


@audit_app.command("add-cosignature")
def add_cosignature(
    note: Annotated[Path, typer.Argument(help="A checkpoint note a witness cosigned (`certledger witness cosign "
                                              "--out`).")],
    witness: Annotated[list[str], typer.Option("--witness", help="The witness's verifier key; its cosignature "
                                                                 "must verify (repeatable).")],
) -> None:
    """Append the cosigned checkpoint to the history, so the service shows its cosignatures.

    It must be of the history's latest tree head (the same size and root) and carry a valid cosignature of
    every --witness key."""
    from keys.tlog import CosignatureVerifier, open_checkpoint, verify_cosignature

    verifier = log_anchors.log_verifier()
    signed = open_checkpoint(note.read_bytes(), verifier)
    found = [verify_cosignature(signed.note, CosignatureVerifier.from_verifier_key(w)) for w in witness]
    latest = log_anchors.history(verifier).latest()
    if latest is None or (latest.size, latest.root) != (signed.size, signed.root):
        raise InvalidInput("note", "must be of the history's latest checkpoint (the same tree size and root); "
                                   "have the witness cosign the latest one")
    merged = latest.note
    for line in signed.note.signatures:  # keep what the history has, add the witnesses' lines
        if (line.name, line.key_id) != (verifier.name, verifier.key_id):
            merged = merged.with_signature(line)
    entry = log_anchors.history(verifier, for_writing=True).append(merged, lambda old, new: [])  # one tree head
    emit({"history_line": entry.line, "cosignatures": [c.name for c in found]},
         f"history line {entry.line}: checkpoint of {signed.size} events with the cosignatures of "
         + ", ".join(f"{c.name} ({c.at.isoformat()})" for c in found))
