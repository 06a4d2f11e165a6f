"""The monthly batch's files, for the command (`certledger batch …`) and the console alike: a city's export
(the ledger's entries -> the plan -> the paper side -> the zip) and a package read and compared with the ledger
(check or import). One path, so the rules the command follows are the rules the pages follow.

Each stage reports through `stage(name, total)`, which answers the function that advances it (the command
draws a bar per stage; the console ignores them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formats.batch_package import ExportResult
    from ledger.batch_check import BatchReport, Package

Advance = Callable[[int], None]
Stage = Callable[[str, "int | None"], Advance]
FORMATS = ("xls", "xlsx")


def quiet(name: str, total: int | None) -> Advance:
    return lambda n: None


def export_package(ledger: Any, who: Any, city: str, month: str, fmt: str, exam_codes: Mapping[str, str],
                   out: Path, stage: Stage = quiet, format_field: str = "format") -> ExportResult:
    """Package the city's approved reissue and exchange requests of a month: spreadsheets, photos, paper side.

    NotFound when nothing was approved that month; BatchRejected (every problem, by file and row) when a row
    breaks the rule; nothing is written then."""
    from formats.batch_package import write_package
    from ledger.batch_plan import plan_export
    from ledger.errors import InvalidInput, NotFound
    from ledger.reference import authority
    from signing import batch_forms

    if fmt.lower() not in FORMATS:
        raise InvalidInput(format_field, f"xls or xlsx, got {fmt!r}")
    entries = ledger.batch_entries(who, city, month)
    if not entries:
        raise NotFound(f"office {city} approved no reissue or exchange request for a professional "
                       f"certificate in {month}: nothing to export")
    stage("finding requests", len(entries))(len(entries))
    plan = plan_export(city, month, entries, ledger.batch_photo, fmt.upper(), exam_codes,
                       progress=stage("checking rows and photos", len(entries)))
    paper_advance = stage("paper side", len(plan.sheets) + 1)
    paper = batch_forms.render_paper(plan, authority(city), ledger.today(), lambda: paper_advance(1))
    writing = stage("writing the package", sum(len(s.photos) for s in plan.sheets))
    return write_package(plan, out, paper, progress=writing, now=ledger.now())


def exam_codes(items: list[str], field: str = "--exam-code") -> dict[str, str]:
    """考试名称=考试代码 items as a mapping (InvalidInput naming `field` for a malformed one)."""
    from ledger.errors import InvalidInput

    codes: dict[str, str] = {}
    for item in items:
        name, sep, code = item.partition("=")
        if not sep or not name.strip() or not code.strip().isalnum():
            raise InvalidInput(field, f"expected 考试名称=考试代码 (e.g. 一级建造师=034), got {item!r}")
        codes[name.strip()] = code.strip()
    return codes


def examine_file(ledger: Any, who: Any, file: Path, importing: bool, stage: Stage = quiet) -> BatchReport:
    """Read a package, then compare it with the ledger: the check (writes nothing) or the import (all or
    nothing; BatchRejected with every problem when it is not clean)."""
    return examine(ledger, who, file, importing, stage)[1]


def examine(ledger: Any, who: Any, file: Path, importing: bool,
            stage: Stage = quiet) -> tuple[Package, BatchReport]:
    """examine_file, with the package as read (its sheets and rows, for a report row by row)."""
    from formats.batch_package import read_package

    package = read_package(file, progress=stage("reading rows and photos", None))
    progress = stage("comparing with the ledger", package.rows)
    if importing:
        return package, ledger.import_batch(who, package, progress=progress)
    return package, ledger.check_batch(who, package, progress=progress)
