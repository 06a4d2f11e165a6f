"""The `certledger` command: commands only; wiring in cli.wiring, output in cli.output.

Each command runs inside one error boundary (`cli.output.boundary`) that turns ledger
errors into one line on stderr and a documented exit code.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.audit_commands import audit_app
from cli.batch_commands import batch_app
from cli.keys_commands import keys_app
from cli.output import boundary, emit
from cli.serve_command import serve, verifications
from cli.wiring import actor, open_ledger, settings, signer_key, trust_list

app = typer.Typer(name="certledger", no_args_is_help=True, add_completion=False,
                  help="Event-sourced ledger of vocational qualification certificates, proofs and handovers.")
request_app = typer.Typer(no_args_is_help=True, help="Service requests: apply → accept → review → complete → deliver.")
catalog_app = typer.Typer(no_args_is_help=True, help="The national occupation catalog, as versioned data.")
handover_app = typer.Typer(no_args_is_help=True, help="Hand a certificate or proof over: in person, institution, "
                                                       "delegate or mail.")
app.add_typer(request_app, name="request")
app.add_typer(catalog_app, name="catalog")
app.add_typer(handover_app, name="handover")
app.add_typer(keys_app, name="keys")
app.command()(serve)
app.command()(verifications)
app.add_typer(audit_app, name="audit")
app.add_typer(batch_app, name="batch")

Number = Annotated[str, typer.Argument(help="Certificate number (16 digits or 管理号) or proof number.")]
RequestOpt = Annotated[str | None, typer.Option("--request", help="Service request this completes (SQ-…).")]
ExpectOpt = Annotated[int | None, typer.Option("--expect-edition", help="Refuse (conflict) unless this edition is "
                                               "still the current one: two clerks cannot both replace it.")]


@app.callback()
def main(
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    home: Annotated[Path | None, typer.Option("--home", help="Data directory [env CERTLEDGER_HOME].")] = None,
    office: Annotated[str | None, typer.Option("--office", help="Acting office code [env CERTLEDGER_OFFICE].")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Acting operator [env CERTLEDGER_OPERATOR].")]
    = None,
) -> None:
    output.configure(json_output=json_output, home=home, office=office, operator=operator)


# ------------------------------------------------------------------------- init
@app.command()
@boundary
def init(
    office: Annotated[str, typer.Option("--office", help="This office's 4-digit authority code, e.g. 1501.")],
    operator: Annotated[str, typer.Option("--operator", help="Default operator name.")],
    store: Annotated[str, typer.Option(help="sqlite (default) or postgres.")] = "sqlite",
) -> None:
    """Create the data directory and the store, remember the office, load the shipped catalog."""
    from ledger.application import Actor

    who = Actor(operator, office)
    if store not in ("sqlite", "postgres"):
        from ledger.errors import InvalidInput

        raise InvalidInput("store", "sqlite or postgres")
    s = settings()
    s.home.mkdir(parents=True, exist_ok=True)
    saved = {"office": office, "operator": operator, "store": store}
    s.config_file.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", "utf-8")
    output.reset_settings()
    ledger = open_ledger(create=True)
    loaded = ledger.ensure_default_catalog(who)
    emit({"home": str(s.home.resolve()), "office": office, "store": store, "catalog_loaded": loaded},
         f"initialised {s.home} for office {office} ({store})"
         + (f"; catalog {loaded} loaded" if loaded else "; catalog already loaded"))


# ------------------------------------------------------------------------ issue
@app.command()
@boundary
def issue(
    number: Annotated[str, typer.Option(help="16-digit certificate number, or 管理号 for --family professional.")],
    name: Annotated[str, typer.Option(help="Holder's name (姓名).")],
    gender: Annotated[str, typer.Option(help="男 or 女.")],
    id_number: Annotated[str, typer.Option(help="Holder's ID number (身份证号).")],
    occupation: Annotated[str, typer.Option(help="职业（工种）, or the qualification for professional.")],
    level: Annotated[str, typer.Option(help="等级: 五级…一级 (skill) or 级别 (professional).")],
    issue_date: Annotated[str, typer.Option("--date", help="发证日期 / 批准日期, YYYY-MM-DD.")],
    id_type: Annotated[str, typer.Option(help="证件类别: resident, passport, …")] = "resident",
    family: Annotated[str, typer.Option(help="skill or professional.")] = "skill",
    theory: Annotated[str | None, typer.Option(help="理论知识考试成绩 0-100.")] = None,
    practical: Annotated[str | None, typer.Option(help="操作技能考试成绩 0-100.")] = None,
    review: Annotated[str | None, typer.Option(help="综合评审成绩 0-100.")] = None,
    result: Annotated[str, typer.Option(help="评定成绩.")] = "合格",
    style: Annotated[str | None, typer.Option(help="new, old or handwritten (default from the date).")] = None,
    specialty: Annotated[str, typer.Option(help="专业 (professional).")] = "",
    authority: Annotated[str | None, typer.Option(help="Issuing authority code (professional).")] = None,
    electronic: Annotated[bool, typer.Option(help="An electronic certificate exists (professional).")] = False,
    exam_code: Annotated[str, typer.Option(help="考试代码 (professional).")] = "",
    photo: Annotated[Path | None, typer.Option(help="Photo file, kept in the attachment store.")] = None,
) -> None:
    """Issue a certificate (edition 1). A number already issued is refused by the store."""
    ledger = open_ledger()
    fields: dict[str, Any] = {
        "family": family, "number": number, "authority": authority, "holder_name": name, "gender": gender,
        "id_type": id_type, "id_number": id_number, "occupation": occupation, "level": level,
        "issue_date": issue_date, "specialty": specialty, "theory_score": theory, "practical_score": practical,
        "review_score": review, "result": result, "style": style, "electronic": "yes" if electronic else "",
        "exam_code": exam_code,
    }
    if photo is not None:
        from ledger.application import parse_certificate_for

        parse_certificate_for(actor(), fields)  # refuse bad fields before storing the file
        fields["photo_sha256"] = ledger.blobs.put_file(photo)  # type: ignore[union-attr]
    view = ledger.issue(actor(), fields)
    output.document(view, headline=f"issued {view.number}")


# ------------------------------------------------------- reissue and exchanges
@app.command()
@boundary
def reissue(number: Number, request: RequestOpt = None, expect_edition: ExpectOpt = None) -> None:
    """Reissue after loss (遗失补发): same number, a remark, the old edition superseded."""
    view = open_ledger().reissue(actor(), number, request, expect_edition)
    output.document(view, headline=f"reissued {view.number} as edition {view.edition}")


@app.command()
@boundary
def exchange(number: Number, request: RequestOpt = None, expect_edition: ExpectOpt = None) -> None:
    """Exchange for overseas employment (境外就业换发)."""
    view = open_ledger().exchange(actor(), number, request, expect_edition)
    output.document(view, headline=f"exchanged {view.number} as edition {view.edition}")


@app.command()
@boundary
def correct(
    number: Number,
    set_: Annotated[list[str], typer.Option("--set", help="field=value to correct; repeatable.")],
    request: RequestOpt = None,
    expect_edition: ExpectOpt = None,
) -> None:
    """Exchange to correct wrong data (错误信息修改换发): keeps each field's old and new value."""
    from ledger.errors import InvalidInput

    changes: dict[str, str] = {}
    for item in set_:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise InvalidInput("--set", f"expected field=value, got {item!r}")
        changes[field.strip()] = value
    view = open_ledger().correct(actor(), number, changes, request, expect_edition)
    output.document(view, headline=f"corrected {view.number} as edition {view.edition}")


# ----------------------------------------------------------------------- proofs
@app.command()
@boundary
def prove(
    number: Number,
    kind: Annotated[str, typer.Option(help="written (书面证明), score-pass (成绩合格证明), "
                                           "qualification (职/执业资格证明).")] = "written",
    reason: Annotated[str, typer.Option(help="lost or overseas (written proofs).")] = "lost",
    request: RequestOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Render and sign the proof into this PDF.")] = None,
) -> None:
    """Record a proof document for a certificate; with --out, render and sign it too, in the same save."""
    from ledger.domain import ProofKind
    from ledger.errors import InvalidInput

    try:
        proof_kind = ProofKind(kind)
    except ValueError:
        raise InvalidInput("--kind", "written, score-pass or qualification") from None
    ledger, who = open_ledger(), actor()
    if out is None:
        view = ledger.prove(who, number, proof_kind, reason, request)
        output.document(view, headline=f"recorded {view.number}")
        return
    _sign_and_write(ledger, who, ledger.draft_proof(who, number, proof_kind, reason, request), out)


@app.command()
@boundary
def ecert(
    number: Number,
    out: Annotated[Path, typer.Option("--out", help="The signed electronic certificate PDF.")],
) -> None:
    """Render and sign the electronic certificate of a certificate's current edition."""
    ledger, who = open_ledger(), actor()
    _sign_and_write(ledger, who, ledger.draft_certificate(who, number), out)


def _sign_and_write(ledger: Any, who: Any, draft: Any, out: Path) -> None:
    from ledger.domain import china_date
    from signing.pipeline import DocumentSigner

    s = settings()
    signer = DocumentSigner(signer_key(ledger, who), s.verify_base_url, timestamp_url=s.tsa_url)
    signed = signer.produce(draft.view, china_date(draft.at))
    with _staged(out, signed.pdf, "--out") as publish:
        record = ledger.commit_signed(who, draft, signed.sha256, signed.token)
        publish()
    emit({"document": record.document_number, "file": str(out), "sha256": signed.sha256, "key_id": signed.key_id,
          "signed_at": record.signed_at.isoformat(), "url": signed.url},
         f"signed {record.document_number} with key {signed.key_id} -> {out} (sha256 {signed.sha256[:16]}…)")


@contextmanager
def _staged(path: Path, data: bytes, option: str) -> Iterator[Callable[[], Path]]:
    """A signed file written beside its place before the ledger records it, and moved there after.

    A record without its file would be a signed document nobody holds (the signature cannot be made
    again byte for byte), and a file without its record would not verify: so an unwritable place is
    refused before the record, and a failed record removes the staged file.
    """
    from ledger.errors import InvalidInput

    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
    except OSError as e:
        raise InvalidInput(option, f"cannot write {path} ({e.strerror or type(e).__name__})") from None
    try:
        yield lambda: tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@app.command("prove-batch")
@boundary
def prove_batch(
    file: Annotated[Path, typer.Argument(help="CSV: number[,kind][,reason][,request] with a header row.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the signed PDFs go.")],
    workers: Annotated[int, typer.Option(help="Processes rendering and signing (default: the CPU count).")] = 0,
) -> None:
    """Record, render and sign many proofs from one file: every row is checked before anything is signed."""
    import csv
    import os
    import time

    from ledger.domain import ProofKind, china_date
    from ledger.errors import ImportRejected, InvalidInput, LedgerError
    from signing.pipeline import BatchPool

    try:
        rows = list(csv.DictReader(file.read_text("utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InvalidInput("file", f"not a readable UTF-8 CSV file ({type(e).__name__})") from None
    if not rows or "number" not in rows[0]:
        raise InvalidInput("file", "needs a header with at least a number column, and rows")
    ledger, who, s = open_ledger(), actor(), settings()
    started = time.perf_counter()
    drafts, problems, seen = [], [], set()
    for line, row in enumerate(rows, start=2):
        number = (row.get("number") or "").strip()
        try:
            if number in seen:
                raise InvalidInput("number", "listed twice: one proof per certificate per batch")
            seen.add(number)
            kind = ProofKind((row.get("kind") or "written").strip())
            drafts.append(ledger.draft_proof(who, number, kind, (row.get("reason") or "lost").strip(),
                                             (row.get("request") or "").strip() or None))
        except ValueError:
            problems.append((line, "kind", "written, score-pass or qualification"))
        except LedgerError as e:
            problems.append((line, getattr(e, "field", "row"), e.message))
    if problems:
        raise ImportRejected(file.name, problems)
    key = signer_key(ledger, who)
    written = 0
    with output.progress() as bar, BatchPool(key, s.verify_base_url, workers=workers or os.cpu_count() or 1,
                                             timestamp_url=s.tsa_url) as pool:
        task = bar.add_task("signing", total=len(drafts))
        jobs = ((d.view, china_date(d.at)) for d in drafts)
        for draft, signed in zip(drafts, pool.map(jobs), strict=True):
            with _staged(out_dir / f"{draft.view.number}.pdf", signed.pdf, "--out-dir") as publish:
                ledger.commit_signed(who, draft, signed.sha256, signed.token)
                publish()
            written += 1
            bar.advance(task)
    seconds = time.perf_counter() - started
    emit({"file": str(file), "documents": written, "seconds": round(seconds, 2), "out_dir": str(out_dir)},
         f"{written} proofs recorded, signed and written to {out_dir} in {seconds:.1f} s "
         f"({written / seconds:.1f}/s)")


@app.command("verify-pdf")
@boundary
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


# -------------------------------------------------------------------- handovers
Evidence = Annotated[list[str] | None, typer.Option("--evidence", help="kind=FILE (scan, signature, id-card, "
                                                    "id-copy, contact-letter, receipt, power-of-attorney); "
                                                    "repeatable.")]


def _hand_over(numbers: list[str], kind: str, details: dict[str, Any], evidence: list[str] | None) -> None:
    from ledger.domain import HandoverKind
    from ledger.errors import InvalidInput

    files: list[tuple[str, Path]] = []
    for item in evidence or []:
        ek, sep, path = item.partition("=")
        if not sep:
            raise InvalidInput("--evidence", f"expected kind=FILE, got {item!r}")
        files.append((ek.strip(), Path(path)))
    views = open_ledger().hand_over(actor(), numbers, HandoverKind(kind), details, files)
    output.where_list(views)


@handover_app.command("in-person")
@boundary
def handover_in_person(
    number: Number,
    id_number: Annotated[str, typer.Option(help="Number on the ID card shown; must be the holder's.")],
    id_type: Annotated[str, typer.Option()] = "resident",
    evidence: Evidence = None,
) -> None:
    """The holder collects in person with the ID card original (本人领取)."""
    _hand_over([number], "in-person", {"id_number": id_number, "id_type": id_type}, evidence)


@handover_app.command("institution")
@boundary
def handover_institution(
    numbers: Annotated[list[str], typer.Argument(help="Certificate numbers handed over.")],
    institution: Annotated[str, typer.Option(help="领证单位.")],
    batch: Annotated[str, typer.Option(help="Contact letter: 鉴定批次号.")],
    occupation: Annotated[str, typer.Option(help="Contact letter: 职业.")],
    level: Annotated[str, typer.Option(help="Contact letter: 等级.")],
    head_count: Annotated[int, typer.Option(help="Contact letter: 人数.")],
    agent_name: Annotated[str, typer.Option(help="The institution's collector (兹派我单位人员).")],
    agent_id_number: Annotated[str, typer.Option(help="The collector's ID number.")],
    signer: Annotated[str, typer.Option(help="Receipt: 签收人.")],
    signer_phone: Annotated[str, typer.Option(help="Receipt: 联系电话.")],
    receipt_date: Annotated[str, typer.Option(help="Receipt: date, YYYY-MM-DD.")],
    received: Annotated[int, typer.Option(help="Receipt: certificates received (本).")],
    rosters: Annotated[int, typer.Option(help="Receipt: rosters received (份).")] = 0,
    evidence: Evidence = None,
) -> None:
    """An institution collects a batch with a contact letter (联系单) and signs a receipt (签收单)."""
    _hand_over(numbers, "institution", {
        "institution": institution, "batch_number": batch, "occupation": occupation, "level": level,
        "head_count": str(head_count), "agent_name": agent_name, "agent_id_number": agent_id_number,
        "signer": signer, "signer_phone": signer_phone, "receipt_date": receipt_date,
        "certificates_received": str(received), "rosters_received": str(rosters) if rosters else "",
    }, evidence)


@handover_app.command("delegate")
@boundary
def handover_delegate(
    number: Number,
    name: Annotated[str, typer.Option(help="Delegate's name.")],
    id_number: Annotated[str, typer.Option(help="Delegate's ID number.")],
    id_type: Annotated[str, typer.Option()] = "resident",
    phone: Annotated[str, typer.Option()] = "",
    evidence: Evidence = None,
) -> None:
    """A delegate collects with a power of attorney and ID copy (委托他人领取)."""
    _hand_over([number], "delegate", {"name": name, "id_number": id_number, "id_type": id_type, "phone": phone},
               evidence)


@handover_app.command("mail")
@boundary
def handover_mail(
    number: Number,
    tracking: Annotated[str, typer.Option(help="Tracking number.")],
    address: Annotated[str, typer.Option(help="Delivery address.")],
    carrier: Annotated[str, typer.Option()] = "EMS",
    recipient: Annotated[str, typer.Option(help="Default: the holder.")] = "",
    phone: Annotated[str, typer.Option()] = "",
    postage: Annotated[str, typer.Option(help="collect (到付) or prepaid.")] = "collect",
    evidence: Evidence = None,
) -> None:
    """Send by mail (邮寄送达), EMS by default, postage paid on delivery."""
    _hand_over([number], "mail", {"tracking_number": tracking, "address": address, "carrier": carrier,
                                  "recipient": recipient, "phone": phone, "postage": postage}, evidence)


# ------------------------------------------------------------------- revocation
@app.command()
@boundary
def revoke(number: Number, reason: Annotated[str, typer.Option(help="Why it is revoked.")]) -> None:
    """Revoke a certificate edition or a proof, with a reason."""
    view = open_ledger().revoke(actor(), number, reason)
    output.document(view, headline=f"revoked {view.number}")


# ---------------------------------------------------------------------- queries
@app.command()
@boundary
def show(
    number: Annotated[str, typer.Argument(help="Certificate, proof or request number.")],
    edition: Annotated[int | None, typer.Option(help="A specific edition (default: the current).")] = None,
    reveal: Annotated[bool, typer.Option(help="Show ID numbers unmasked (office use).")] = False,
) -> None:
    """Show a certificate's current edition, a proof or a service request."""
    from ledger.views import RequestView

    ledger = open_ledger()
    view = ledger.edition(number, edition) if edition else ledger.show(number)
    if isinstance(view, RequestView):
        output.requests([view])
    else:
        output.document(view, reveal=reveal)


@app.command()
@boundary
def history(
    number: Annotated[str, typer.Argument(help="Certificate, proof or request number.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only what was recorded up to this date or "
                                              "date-time (China time when no zone is given); and show the "
                                              "document as it stood then.")] = None,
) -> None:
    """Every event of a certificate (all editions and its proofs), a proof or a request: who, when, what."""
    ledger = open_ledger()
    if as_of is None:
        output.history(ledger.history(number))
        return
    when = _moment(as_of)
    then, events = ledger.as_of(number, when), ledger.history(number, as_of=when)
    if output.json_mode():
        emit({"as_of": when.isoformat(), "document": then.to_dict(), "events": [e.to_dict() for e in events]}, "")
        return
    output.document(then, headline=f"as of {when.isoformat()}:")
    output.history(events)


def _moment(text: str) -> Any:
    """A date (end of that day) or a date-time; China time unless a zone is given."""
    from datetime import datetime, time, timedelta

    from ledger.domain import CHINA
    from ledger.errors import InvalidInput

    try:
        if len(text.strip()) == 10:
            day = datetime.combine(datetime.fromisoformat(text.strip()).date(), time(), tzinfo=CHINA)
            return day + timedelta(days=1) - timedelta(microseconds=1)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("--as-of", "a date YYYY-MM-DD or an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


@app.command()
@boundary
def where(number: Number) -> None:
    """Where a document is now, and how it got there (with the evidence files checked)."""
    output.where_list([open_ledger().where(number)])


# ----------------------------------------------------------------------- import
@app.command("import")
@boundary
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX of an existing certificate database.")],
    dry_run: Annotated[bool, typer.Option(help="Validate only; write nothing.")] = False,
) -> None:
    """Bulk-load certificates: the whole file or nothing; a bad file gets a row-by-row report."""
    import gc
    import time

    from ledger.importer import file_digest, validate_file

    started = time.perf_counter()
    who = actor()
    # A large file makes millions of objects that live until the save; the cyclic garbage
    # collector would rescan them over and over (a third of the time at a million rows).
    gc.disable()
    with output.progress() as bar:
        task = bar.add_task("validating", total=None)
        datas = validate_file(file, progress=lambda n: bar.advance(task, n))
        if dry_run:
            bar.update(task, completed=len(datas), total=len(datas))
            emit({"file": str(file), "rows": len(datas), "imported": 0, "dry_run": True},
                 f"{file.name}: {len(datas)} rows valid; nothing written (dry run)")
            return
        ledger = open_ledger()
        source = f"{file.name} sha256:{file_digest(file)[:16]}"
        build = bar.add_task("recording", total=len(datas))
        bar.update(task, completed=len(datas), total=len(datas))
        count = ledger.import_many(who, datas, source, on_built=lambda n: bar.advance(build, n))
        bar.update(build, completed=len(datas), description="saved")
    seconds = time.perf_counter() - started
    emit({"file": str(file), "rows": len(datas), "imported": count, "seconds": round(seconds, 3)},
         f"{file.name}: imported {count} certificates in {seconds:.1f} s ({count / seconds:,.0f}/s)")


# ---------------------------------------------------------------------- catalog
@catalog_app.command("load")
@boundary
def catalog_load(file: Annotated[Path, typer.Argument(help='JSON: {"version", "title", "occupations": [...]}')]
                 ) -> None:
    """Load a new catalog version; later decisions record the version they used."""
    from ledger.errors import InvalidInput

    try:
        content = json.loads(file.read_text("utf-8"))
    except OSError as e:
        raise InvalidInput("file", f"cannot read {file}: {e.strerror}") from None
    except ValueError as e:
        raise InvalidInput("file", f"not JSON: {e}") from None
    if not isinstance(content, dict):
        raise InvalidInput("file", "a JSON object with version, title and occupations")
    version = open_ledger().load_catalog(actor(), content)
    emit({"version": version}, f"catalog version {version} loaded")


@catalog_app.command("show")
@boundary
def catalog_show() -> None:
    """The current catalog version and its occupations."""
    cat = open_ledger().catalog()
    emit({"version": cat.version, "sha256": cat.sha256, "occupations": sorted(cat.occupations)},
         f"catalog {cat.version}: {', '.join(sorted(cat.occupations))}")


# ----------------------------------------------------------- service requests
def _day(value: str | None, field: str) -> date | None:
    from ledger.values import parse_date

    return parse_date(value, field) if value else None


@request_app.command("apply")
@boundary
def request_apply(
    number: Annotated[str, typer.Argument(help="Certificate number.")],
    kind: Annotated[str, typer.Option(help="reissue, exchange, correct, proof, score-pass, qualification.")],
    applicant: Annotated[str, typer.Option(help="Applicant's name.")],
    channel: Annotated[str, typer.Option(help="window, online or mail.")] = "window",
    on: Annotated[str | None, typer.Option(help="Application date (default today).")] = None,
) -> None:
    """Register an application (申请); the acceptance due date follows in working days."""
    from ledger.domain import RequestKind
    from ledger.errors import InvalidInput

    try:
        rk = RequestKind(kind)
    except ValueError:
        raise InvalidInput("--kind", ", ".join(k.value for k in RequestKind)) from None
    output.requests([open_ledger().apply(actor(), rk, number, applicant, channel, _day(on, "--on"))])


@request_app.command("accept")
@boundary
def request_accept(number: Annotated[str, typer.Argument()],
                   on: Annotated[str | None, typer.Option(help="Acceptance date (default today).")] = None) -> None:
    """Accept (受理); the completion due date follows in working days."""
    output.requests([open_ledger().accept(actor(), number, _day(on, "--on"))])


@request_app.command("review")
@boundary
def request_review(
    number: Annotated[str, typer.Argument()],
    approve: Annotated[bool, typer.Option("--approve/--reject")],
    reason: Annotated[str, typer.Option(help="Required to reject.")] = "",
    failed: Annotated[list[str] | None, typer.Option("--failed", help="A data check that did not match "
                                                     "(name, id_number, certificate_number, level, specialty, "
                                                     "approval_date, photo); repeatable.")] = None,
) -> None:
    """Review (审核): the data must match the certificate database; reject with a reason."""
    from ledger.domain import ServiceRequest

    checks = {c: c not in (failed or []) for c in ServiceRequest.REVIEW_CHECKS}
    for f in failed or []:
        checks.setdefault(f, False)
    output.requests([open_ledger().review(actor(), number, approve, reason, checks)])


@request_app.command("complete")
@boundary
def request_complete(number: Annotated[str, typer.Argument()],
                     result: Annotated[str, typer.Option(help="The resulting certificate or proof number.")]
                     ) -> None:
    """Complete (办结) with the resulting document; the delivery due date follows."""
    output.requests([open_ledger().complete(actor(), number, result)])


@request_app.command("deliver")
@boundary
def request_deliver(number: Annotated[str, typer.Argument()],
                    how: Annotated[str, typer.Option(help="How it was delivered, e.g. EMS EA123…CN.")]) -> None:
    """Deliver (送达)."""
    output.requests([open_ledger().deliver(actor(), number, how)])


@request_app.command("list")
@boundary
def request_list(open_only: Annotated[bool, typer.Option("--open", help="Only requests still running.")] = False
                 ) -> None:
    """Every service request with its stage and due date."""
    output.requests(open_ledger().requests(open_only=open_only))


@request_app.command("overdue")
@boundary
def request_overdue() -> None:
    """Requests past their due date (working days of the official calendar)."""
    output.requests(open_ledger().overdue(), empty="no overdue requests")


def run() -> None:
    app()
