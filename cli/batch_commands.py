"""`certledger batch …`: the monthly reissue batch (seed 004 附件), exported by a city, checked and
imported by the provincial center. The paper side of a package is drawn by signing.batch_forms.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cli import output
from cli.output import emit
from cli.wiring import actor, open_ledger

if TYPE_CHECKING:
    from rich.progress import Progress

    from ledger.batch_check import BatchReport
    from ledger.batch_rules import BatchRejected

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
    from ledger.batch_rules import PAPER_FOLDER, BatchRejected
    from office.batch_files import exam_codes as parse_exam_codes
    from office.batch_files import export_package

    codes = parse_exam_codes(exam_codes or [])
    started = time.perf_counter()
    ledger, who = open_ledger(), actor()
    with output.progress() as bar:
        try:
            result = export_package(ledger, who, city or who.office, month, fmt, codes, out, _stages(bar),
                                    format_field="--format")
        except BatchRejected as e:
            _rejected(e)
    seconds = time.perf_counter() - started
    lines = [f"{result.package}: {result.rows} person(s) in {len(result.sheets)} spreadsheet(s), "
             f"sha256 {result.sha256[:16]}…, {seconds:.1f} s"]
    lines += [f"  {s['file']}: {s['photos']} photo(s)" for s in result.sheets]
    lines += [f"  {PAPER_FOLDER}/{name}" for name in result.paper]
    emit({**result.to_dict(), "seconds": round(seconds, 3)}, "\n".join(lines))


def _stages(bar: Progress) -> Callable[[str, int | None], Callable[[int], None]]:
    """office.batch_files' stages as one bar each."""
    def stage(name: str, total: int | None) -> Callable[[int], None]:
        task = bar.add_task(name, total=total)
        return lambda n: bar.advance(task, n)
    return stage


@batch_app.command("check")
def check(file: Package) -> None:
    """Check a package against the rule, the certificate database and the approved requests; writes nothing.

    Exit 0 when it would import; 8 with every problem listed (file, row, field) when not.
    """
    started = time.perf_counter()
    report = _examine(file, importing=False)
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
        report = _examine(file, importing=True)
    except BatchRejected as e:
        _rejected(e)
    seconds = time.perf_counter() - started
    emit({**report.to_dict(), "seconds": round(seconds, 3)},
         f"{report.summary()} in {seconds:.1f} s: " + ", ".join(report.batches))


def _examine(file: Path, importing: bool) -> BatchReport:
    """Read a package, then compare it with the ledger (check or import), behind a bar per stage."""
    from office.batch_files import examine_file

    ledger, who = open_ledger(), actor()
    with output.progress() as bar:
        return examine_file(ledger, who, file, importing, _stages(bar))


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
