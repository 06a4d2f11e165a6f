"""Proofs and signed documents: prove, ecert, prove-batch, verify-pdf.

Signing goes through cli.sign_and_record, the one path from a draft to a recorded, signed file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import output
from cli.output import emit
from cli.params import Number, RequestOpt
from cli.wiring import actor, open_ledger, trust_list

if TYPE_CHECKING:
    from cli.sign_and_record import Recorded
    from ledger.application import Actor, CertLedger, Draft
    from ledger.errors import LedgerError

proof_app = typer.Typer()


@proof_app.command()
def prove(
    number: Number,
    kind: Annotated[str, typer.Option(help="written (书面证明), score-pass (成绩合格证明), "
                                           "qualification (职/执业资格证明).")] = "written",
    reason: Annotated[str, typer.Option(help="lost, overseas or correction (written proofs).")] = "lost",
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="field=value: the corrected data of a correction proof (--reason correction); repeatable."
    )] = None,
    request: RequestOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Render and sign the proof into this PDF.")] = None,
) -> None:
    """Record a proof document for a certificate; with --out, render and sign it too, in the same save."""
    from cli.params import field_changes
    from ledger.domain import ProofKind
    from ledger.errors import InvalidInput

    try:
        proof_kind = ProofKind(kind)
    except ValueError:
        raise InvalidInput("--kind", "written, score-pass or qualification") from None
    changes = field_changes(set_ or [])
    ledger, who = _opened(signing=out is not None)
    if out is None:
        view = ledger.prove(who, number, proof_kind, reason, request, changes)
        output.document(view, headline=f"recorded {view.number}")
        return
    _sign_one(ledger, who, ledger.draft_proof(who, number, proof_kind, reason, request, changes), out)


@proof_app.command()
def ecert(
    number: Number,
    out: Annotated[Path, typer.Option("--out", help="The signed electronic certificate PDF.")],
) -> None:
    """Render and sign the electronic certificate of a certificate's current edition."""
    ledger, who = _opened(signing=True)
    _sign_one(ledger, who, ledger.draft_certificate(who, number), out)


def _opened(*, signing: bool) -> tuple[CertLedger, Actor]:
    """The ledger and who acts; for a signing command, both key files' unsealing begun first, side by side
    (cli.credentials.open_ahead, cli.wiring.signing_key_ahead): ~0.3 s each, in threads, beside the imports."""
    from cli.credentials import open_ahead
    from cli.wiring import signing_key_ahead

    if signing:
        open_ahead()  # once per command: a second call finds it begun
    ledger = open_ledger()
    if signing:
        signing_key_ahead(ledger)
    return ledger, actor()


def _sign_one(ledger: CertLedger, who: Actor, draft: Draft, out: Path) -> None:
    from cli.sign_and_record import sign_and_record

    (done,) = sign_and_record(ledger, who, [draft], lambda _: out, "--out")
    _report_signed(done)


def _report_signed(done: Recorded) -> None:
    r = done.record
    emit({"document": r.document_number, "file": str(done.file), "sha256": r.sha256, "key_id": r.key_id,
          "signed_at": r.signed_at.isoformat(), "url": done.url},
         f"signed {r.document_number} with key {r.key_id} -> {done.file} (sha256 {r.sha256[:16]}…)")


@proof_app.command("prove-batch")
def prove_batch(
    file: Annotated[Path, typer.Argument(help="CSV: number[,kind][,reason][,request] with a header row.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the signed PDFs go.")],
    workers: Annotated[int, typer.Option(help="Processes rendering and signing (default: the CPU count).")] = 0,
) -> None:
    """Record, render and sign many proofs from one file: every row is checked before anything is signed."""
    import os
    import time

    from cli.credentials import open_ahead

    open_ahead()  # before the imports and the file's check, which its scrypt runs beside
    from cli.sign_and_record import sign_and_record
    from formats.proof_rows import read_proof_rows
    from ledger.errors import ImportRejected, LedgerError

    batch = read_proof_rows(file)
    ledger, who = _opened(signing=True)
    started = time.perf_counter()
    drafts: list[Draft] = []
    problems = list(batch.problems)
    for row in batch.rows:
        try:
            drafts.append(ledger.draft_proof(who, row.number, row.kind, row.reason, row.request))
        except LedgerError as e:
            problems.append((row.line, _field(e), e.message))
    if problems:
        raise ImportRejected(file.name, sorted(problems, key=lambda p: p[0]))
    with output.progress() as bar:
        task = bar.add_task("signing", total=len(drafts))
        done = sign_and_record(ledger, who, drafts, lambda d: out_dir / f"{d.view.number}.pdf", "--out-dir",
                               workers=workers or os.cpu_count() or 1, done=lambda: bar.advance(task))
    seconds = time.perf_counter() - started
    emit({"file": str(file), "documents": len(done), "seconds": round(seconds, 2), "out_dir": str(out_dir)},
         f"{len(done)} proofs recorded, signed and written to {out_dir} in {seconds:.1f} s "
         f"({len(done) / seconds:.1f}/s)")


def _field(error: LedgerError) -> str:
    """The field a refusal names, or "row" for a rule about the whole row."""
    from ledger.errors import InvalidInput

    return error.field if isinstance(error, InvalidInput) else "row"


@proof_app.command("verify-pdf")
def verify_pdf(
    file: Annotated[Path, typer.Argument(help="A signed proof or electronic certificate.")],
    trust_list_file: Annotated[Path | None, typer.Option("--trust-list", help="Default: <home>/trust-list.jws")]
    = None,
    root: Annotated[Path | None, typer.Option("--root", help="The pinned root certificate (PEM). "
                                               "Default: <keys>/root.cert.pem")] = None,
) -> None:
    """Check a signed PDF offline against the trust list and the ledger; exit 12 on any failed check."""
    from ledger.errors import InvalidInput
    from signing.verify import Verifier

    try:
        data = file.read_bytes()
    except OSError as e:
        raise InvalidInput("file", f"cannot read {file}: {e.strerror}") from None
    result = Verifier(trust_list(trust_list_file, root), open_ledger()).verify_pdf(data)
    if output.json_mode():
        emit(result.to_dict(), "")
    else:
        for check in result.checks():
            emit(None, f"{'PASS' if check.ok else 'FAIL'}  {check.name:<11} {check.detail}")
        emit(None, result.summary())
    if not result.ok:
        raise SystemExit(output.EXIT_NOT_VALID)
