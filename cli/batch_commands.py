"""`certledger batch …`: the monthly reissue batch (seed 004 附件), exported by a city, checked and
imported by the provincial center. The paper side of a package is drawn by signing.batch_forms.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from cli import output
from cli.output import emit
from cli.wiring import actor, open_ledger

if TYPE_CHECKING:
    from ledger.application import Actor, CertLedger
    from ledger.batch_check import Package as BatchPackage
    from ledger.batch_rules import BatchRejected

T = TypeVar("T")

batch_app = typer.Typer(no_args_is_help=True, help="The monthly reissue batch: a city's package of reissue and "
                                                    "exchange requests for the provincial center (seed 004).")

Package = Annotated[Path, typer.Argument(help="The zip package, as a city exported it.")]


@batch_app.command("export")
def export(
    month: Annotated[str, typer.Option("--month", help="申报年月: the month the requests were approved, YYYYMM.")],
    out: Annotated[Path, typer.Option("--out", help="Directory the zip package is written to.")],
    city: Annotated[str | None, typer.Option("--city", help="The exporting city's code, e.g. 1501 "
                                             "(default: the acting office).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="xls: legacy Excel (BIFF8) as the rule names it; "
                                     "xlsx: Office Open XML.")] = "xls",
    exam_codes: Annotated[list[str] | None, typer.Option("--exam-code", help="考试名称=考试代码 for certificates "
                                                         "recorded without an exam code; repeatable.")] = None,
) -> None:
    """Package the city's approved reissue and exchange requests of a month: spreadsheets, photos, paper side."""
    from formats.batch_package import write_package
    from ledger.batch_plan import plan_export
    from ledger.batch_rules import PAPER_FOLDER, BatchRejected
    from ledger.errors import InvalidInput, NotFound
    from ledger.reference import authority
    from signing import batch_forms

    if fmt.lower() not in ("xls", "xlsx"):
        raise InvalidInput("--format", f"xls or xlsx, got {fmt!r}")
    codes = _exam_codes(exam_codes or [])
    started = time.perf_counter()
    ledger, who = open_ledger(), actor()
    city_code = city or who.office
    with output.progress() as bar:
        task = bar.add_task("finding requests", total=None)
        entries = ledger.batch_entries(who, city_code, month)
        if not entries:
            raise NotFound(f"office {city_code} approved no reissue or exchange request for a professional "
                           f"certificate in {month}: nothing to export")
        bar.update(task, total=len(entries), completed=len(entries))
        checking = bar.add_task("checking rows and photos", total=len(entries))
        try:
            plan = plan_export(city_code, month, entries, ledger.batch_photo, fmt.upper(), codes,
                               progress=lambda n: bar.advance(checking, n))
        except BatchRejected as e:
            _rejected(e)
        paper_task = bar.add_task("paper side", total=len(plan.sheets) + 1)
        paper = batch_forms.render_paper(plan, authority(city_code), ledger.today(), lambda: bar.advance(paper_task))
        writing = bar.add_task("writing the package", total=sum(len(s.photos) for s in plan.sheets))
        result = write_package(plan, out, paper, progress=lambda n: bar.advance(writing, n), now=ledger.now())
    seconds = time.perf_counter() - started
    lines = [f"{result.package}: {result.rows} person(s) in {len(result.sheets)} spreadsheet(s), "
             f"sha256 {result.sha256[:16]}…, {seconds:.1f} s"]
    lines += [f"  {s['file']}: {s['photos']} photo(s)" for s in result.sheets]
    lines += [f"  {PAPER_FOLDER}/{name}" for name in result.paper]
    emit({**result.to_dict(), "seconds": round(seconds, 3)}, "\n".join(lines))


def _exam_codes(items: list[str]) -> dict[str, str]:
    """--exam-code 考试名称=考试代码, repeated, as a mapping."""
    from ledger.errors import InvalidInput

    codes: dict[str, str] = {}
    for item in items:
        name, sep, code = item.partition("=")
        if not sep or not name.strip() or not code.strip().isalnum():
            raise InvalidInput("--exam-code", f"expected 考试名称=考试代码 (e.g. 一级建造师=034), got {item!r}")
        codes[name.strip()] = code.strip()
    return codes


@batch_app.command("check")
def check(file: Package) -> None:
    """Check a package against the rule, the certificate database and the approved requests; writes nothing.

    Exit 0 when it would import; 8 with every problem listed (file, row, field) when not.
    """
    started = time.perf_counter()
    report = _examine(file, lambda ledger, who, package, progress: ledger.check_batch(who, package, progress=progress))
    seconds = time.perf_counter() - started
    if output.json_mode():
        emit({**report.to_dict(), "seconds": round(seconds, 3)}, "")
    else:
        for problem in report.problems:
            emit(None, problem.line())
        emit(None, report.summary())
    if not report.ok:
        raise SystemExit(output.EXIT_IMPORT_REJECTED)


@batch_app.command("import")
def import_(file: Package) -> None:
    """Import a clean package (the provincial center): every row linked to its request, all or nothing."""
    from ledger.batch_rules import BatchRejected

    started = time.perf_counter()
    try:
        report = _examine(file, lambda ledger, who, package, progress: ledger.import_batch(who, package,
                                                                                           progress=progress))
    except BatchRejected as e:
        _rejected(e)
    seconds = time.perf_counter() - started
    emit({**report.to_dict(), "seconds": round(seconds, 3)},
         f"{report.summary()} in {seconds:.1f} s: " + ", ".join(report.batches))


def _examine(file: Path, examine: Callable[[CertLedger, Actor, BatchPackage, Callable[[int], None]], T]) -> T:
    """Read a package, then compare it with the ledger (check or import), behind two progress bars."""
    from formats.batch_package import read_package

    ledger, who = open_ledger(), actor()
    with output.progress() as bar:
        reading = bar.add_task("reading rows and photos", total=None)
        package = read_package(file, progress=lambda n: bar.advance(reading, n))
        bar.update(reading, total=package.rows, completed=package.rows)
        examining = bar.add_task("comparing with the ledger", total=package.rows)
        return examine(ledger, who, package, lambda n: bar.advance(examining, n))


@batch_app.command("photo")
def photo(
    request: Annotated[str, typer.Argument(help="The reissue or exchange request (SQ-…).")],
    file: Annotated[Path, typer.Argument(help="The applicant's photo: JPG, 295×413 px, 10–30 KB, white ground.")],
) -> None:
    """Attach the applicant's photo to a request; the export sends it (instead of the certificate's own)."""
    from ledger.batch_rules import sha256_hex
    from ledger.errors import InvalidInput

    try:
        data = file.read_bytes()
    except OSError as e:
        raise InvalidInput("file", f"cannot read {file}: {e.strerror}") from None
    view = open_ledger().attach_request_photo(actor(), request, data)
    digest = sha256_hex(data)
    emit({"request": view.number, "certificate_number": view.certificate_number, "photo_sha256": digest,
          "bytes": len(data)},
         f"photo {file.name} ({len(data) / 1024:.1f} KB, sha256 {digest[:16]}…) attached to {view.number}")


def _rejected(e: BatchRejected) -> NoReturn:
    """Every problem, one a line (file, row, field), and exit 8: nothing was written."""
    if output.json_mode():
        print(json.dumps(e.to_dict(), ensure_ascii=False))
    print(f"error: {e.source}: {len(e.findings)} problem(s); nothing was {e.action}", file=sys.stderr)
    if not output.json_mode():
        for problem in e.findings:
            print(f"  {problem.line()}", file=sys.stderr)
    raise SystemExit(output.EXIT_IMPORT_REJECTED)
