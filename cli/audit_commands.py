"""`certledger audit …`: the transparency log's checkpoints, the auditor's replay, offline bundles."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.output import emit
from cli.wiring import actor, key_store, open_ledger, passphrase, save_verifier, settings, trust_list

audit_app = typer.Typer(no_args_is_help=True, help="Transparency log: checkpoints, replay audit, offline bundles.")
BUNDLE_FORMAT = "certledger-audit-bundle/1"
EXIT_DIVERGENCE = 13


def _signer() -> Any:
    """sign(body) -> (key id, signature) with this office's active key."""
    ledger, who = open_ledger(), actor()
    kid = ledger.active_key(who.office).kid
    loaded = key_store().load_signer(kid, passphrase("key"))
    return lambda body: (kid, loaded.sign(body))


def _verifier(trust: Any) -> Any:
    """verify(kid, body, signature): a key of the trust list, valid when the checkpoint was signed."""
    def verify(kid: str, body: bytes, signature: bytes) -> bool:
        key = trust.keys.get(kid)
        if key is None or not key.verify(body, signature):
            return False
        when = body.decode().splitlines()[3] if body.count(b"\n") >= 4 else ""
        from datetime import datetime

        try:
            return bool(key.may_sign_at(datetime.fromisoformat(when))[0])
        except ValueError:
            return False

    return verify


@audit_app.command("checkpoint")
def checkpoint(
    every: Annotated[int, typer.Option(help="Keep taking one every this many seconds (0: once).")] = 0,
    count: Annotated[int, typer.Option(help="With --every: stop after this many (0: run until stopped).")] = 0,
) -> None:
    """Catch the log up and sign its head with this office's key (size, root, time)."""
    ledger, sign = open_ledger(), _signer()
    taken = 0
    while True:
        cp = ledger.take_checkpoint(sign)
        target = settings().home / "checkpoint.json"
        target.write_text(json.dumps(cp.to_dict(), indent=2) + "\n")
        emit(cp.to_dict(), f"checkpoint: {cp.size} events, root {cp.root.hex()[:16]}…, key {cp.key_id}, "
                           f"{cp.at.isoformat()} -> {target}")
        taken += 1
        if not every or (count and taken >= count):
            return
        time.sleep(every)


@audit_app.command("verify")
def verify(
    bundle: Annotated[Path | None, typer.Option(help="Check an exported bundle, with no database.")] = None,
    root: Annotated[Path | None, typer.Option(help="The root certificate you pin (default: the key store's).")]
    = None,
) -> None:
    """Replay every event, recompute the log and every signed checkpoint; exit 13 at any divergence."""
    from ledger.audit import audit

    with output.progress() as bar:
        task = bar.add_task("replaying", total=None)
        if bundle is None:
            report = open_ledger().audit(_verifier(trust_list(None, root)), progress=lambda n: bar.advance(task, n),
                                         credentials=save_verifier(root))
        else:
            header, events, leaves, checkpoints = _read_bundle(bundle)
            pinned = root.read_bytes() if root else _default_root(header)
            from keys.trustlist import load_trust_list

            trust = load_trust_list(header["trust_list"].encode(), pinned)
            report = audit(events, lambda a, b: leaves[a:b], len(leaves), checkpoints, _verifier(trust),
                           progress=lambda n: bar.advance(task, n))
    if output.json_mode():
        emit(report.to_dict(), "")
    else:
        emit(None, report.summary())
        for d in report.divergences[1:10]:
            emit(None, f"  also: {d.describe()}")
    if not report.ok:
        raise SystemExit(EXIT_DIVERGENCE)


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

    ledger = open_ledger()
    log = ledger._translog()
    s = settings()
    header = {"format": BUNDLE_FORMAT, "exported_at": ledger.now().isoformat(),
              "trust_list": s.trust_list_path.read_text(), "root_certificate": key_store().root_certificate_pem()}
    n_events = n_leaves = 0
    tmp = out.with_name(f".{out.name}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"header": header}) + "\n")
        for cp in log.checkpoints():
            f.write(json.dumps({"checkpoint": cp.to_dict()}) + "\n")
        size = log.size()
        for start in range(0, size, 5000):
            for nid, h in log.store.leaves(start, min(size, start + 5000)):
                f.write(json.dumps({"leaf": [nid, h.hex()]}) + "\n")
                n_leaves += 1
        for e in events_from_recorder(ledger.recorder):
            f.write(json.dumps({"event": [e.notification_id, str(e.originator_id), e.version, e.topic,
                                          base64.b64encode(bytes(e.state)).decode()]}) + "\n")
            n_events += 1
    tmp.replace(out)
    emit({"bundle": str(out), "events": n_events, "leaves": n_leaves},
         f"exported {n_events} events, {n_leaves} log leaves and the checkpoints to {out}")


def _read_bundle(path: Path) -> tuple[dict[str, Any], Iterator[Any], list[tuple[int, bytes]], list[Any]]:
    from ledger.audit import StoredEvent
    from ledger.errors import InvalidInput
    from ledger.translog import Checkpoint

    header: dict[str, Any] | None = None
    leaves: list[tuple[int, bytes]] = []
    checkpoints: list[Checkpoint] = []
    events: list[StoredEvent] = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                item = json.loads(line)
                if "event" in item:
                    nid, oid, version, topic, state = item["event"]
                    events.append(StoredEvent(int(nid), oid, int(version), topic, base64.b64decode(state)))
                elif "leaf" in item:
                    leaves.append((int(item["leaf"][0]), bytes.fromhex(item["leaf"][1])))
                elif "checkpoint" in item:
                    checkpoints.append(Checkpoint.from_dict(item["checkpoint"]))
                elif "header" in item:
                    header = item["header"]
    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:
        raise InvalidInput("bundle", f"not a readable certledger audit bundle ({type(e).__name__})") from None
    if header is None or header.get("format") != BUNDLE_FORMAT:
        raise InvalidInput("bundle", f"not a {BUNDLE_FORMAT} file")
    return header, iter(events), leaves, checkpoints


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
    emit(proof, f"{document}: leaf index {proof['position']} (0-based) of {tree}, root {proof['root'][:16]}…, "
                f"{len(proof['proof'])} hashes: " + " ".join(h[:12] for h in proof["proof"]))


@audit_app.command("consistency")
def consistency(
    old: Annotated[int, typer.Argument(help="The earlier tree size.")],
    new: Annotated[int, typer.Argument(help="The later tree size.")],
) -> None:
    """The consistency proof between two tree sizes (RFC 6962): the older is a prefix of the newer."""
    log = open_ledger()._translog()
    proof = [h.hex() for h in log.consistency_proof(old, new)]
    emit({"old_size": old, "new_size": new, "old_root": log.root(old).hex(), "new_root": log.root(new).hex(),
          "proof": proof}, f"{old} -> {new}: {len(proof)} hashes: " + " ".join(h[:12] for h in proof))
