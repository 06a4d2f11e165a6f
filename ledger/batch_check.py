"""The check of a monthly batch package as read: its layout, the spreadsheets' names, rows and cells,
and the photos, every problem collected (file, row, field), none raised.

The ledger sees the package through PackageFiles: its entries, an entry's bytes and a spreadsheet's
rows of cells. formats.batch_package reads the zip and the spreadsheet codecs behind it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ledger.batch_rules import (
    FIELDS,
    KB,
    LABELS,
    MAX_PHOTO_BYTES,
    MAX_SHEET_BYTES,
    NAME_RULE,
    PAPER_FOLDER,
    Problem,
    SheetName,
    check_row,
    name_problem,
    parse_month,
    photo_problems,
    sha256_hex,
)
from ledger.errors import InvalidInput, LedgerError

Progress = Callable[[int], None]


# ------------------------------------------------------------------------- what the check reads
@dataclass(frozen=True, slots=True)
class ReadCell:
    value: str
    text: bool  # stored as text (or empty), not as a number, date, boolean or error


@dataclass(frozen=True, slots=True)
class PackageEntry:
    """A file or folder of a package: its path, "/"-separated and without an enclosing folder."""

    name: str
    size: int
    is_dir: bool


class UnreadableEntry(LedgerError):
    """An entry of the package could not be read (a damaged member); `reason` names what failed."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: cannot be read from the zip ({reason})")
        self.reason = reason


class PackageFiles(Protocol):
    """A package as the check sees it (formats.batch_package reads it from a zip)."""

    @property
    def path(self) -> Path: ...

    @property
    def sha256(self) -> str: ...

    @property
    def entries(self) -> Sequence[PackageEntry]: ...

    def read(self, entry: PackageEntry) -> bytes:
        """The entry's bytes; raises UnreadableEntry."""
        ...

    def cells(self, entry: PackageEntry) -> list[list[ReadCell]]:
        """Every row of a spreadsheet's first worksheet; raises UnreadableEntry, or InvalidInput('file', why)."""
        ...


@dataclass(frozen=True, slots=True)
class PackageRow:
    row: int
    cells: dict[str, str]
    photo_sha256: str  # of the photo file found for it, "" if none


@dataclass(frozen=True)
class PackageSheet:
    file: str
    name: SheetName | None  # None: the file's name broke the rule
    rows: tuple[PackageRow, ...]
    photos: int


@dataclass(frozen=True)
class Package:
    """A package as read: its sheets and rows, and every problem found without the database."""

    path: Path
    sha256: str
    sheets: tuple[PackageSheet, ...]
    problems: tuple[Problem, ...]
    city_area: str | None
    month: str | None

    @property
    def rows(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


# ----------------------------------------------------------------------------------- the layout
def examine_package(files: PackageFiles, progress: Progress | None = None, today: date | None = None) -> Package:
    """Check a package's layout, names, rows and photos; problems are collected, not raised."""
    problems: list[Problem] = []
    sheets_found, folders = _layout(files.entries, files.path.name, problems)
    stems = {n.rsplit(".", 1)[0] for n in sheets_found}
    problems += _folder_problems(folders, stems)
    parsed = {n: SheetName.parse(n) for n in sheets_found}
    good = [p for p in parsed.values() if p is not None]
    city_area = good[0].city if good else None
    month = good[0].month if good else None
    sheets: list[PackageSheet] = []
    seen_numbers: dict[str, str] = {}
    for file_name, entry in sorted(sheets_found.items()):
        sheet_name = parsed[file_name]
        problems += _name_problems(file_name, sheet_name, city_area, month, today)
        photos = folders.get(file_name.rsplit(".", 1)[0], {})
        check = _SheetCheck(files, file_name, sheet_name, photos, problems, seen_numbers, progress)
        sheets.append(check.run(entry))
    return Package(files.path, files.sha256, tuple(sheets), tuple(problems), city_area, month)


def _layout(entries: Sequence[PackageEntry], package_name: str, problems: list[Problem]
            ) -> tuple[dict[str, PackageEntry], dict[str, dict[str, PackageEntry]]]:
    """The spreadsheets at the top, and each top folder's files; anything else is a problem."""
    sheets: dict[str, PackageEntry] = {}
    folders: dict[str, dict[str, PackageEntry]] = {}
    for entry in entries:
        name = entry.name
        parts = name.rstrip("/").split("/")
        if entry.is_dir:
            if len(parts) == 1:
                folders.setdefault(parts[0], {})
            else:
                problems.append(Problem(name, None, "folder", "nested folders are not part of the package"))
        elif len(parts) == 1:
            if re.search(r"\.xlsx?$", name, re.IGNORECASE):
                sheets[name] = entry
            else:
                problems.append(Problem(name, None, "file", "an unexpected file: the package holds one spreadsheet "
                                                            "per exam and its photo folder"))
        elif len(parts) == 2:
            folders.setdefault(parts[0], {})[parts[1]] = entry
        else:
            problems.append(Problem(name, None, "file", "nested folders are not part of the package"))
    if not sheets:
        problems.append(Problem(package_name, None, "package", f"holds no spreadsheet named {NAME_RULE}"))
    return sheets, folders


def _folder_problems(folders: dict[str, dict[str, PackageEntry]], stems: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for folder, files in sorted(folders.items()):
        if folder == PAPER_FOLDER:
            problems += [Problem(f"{folder}/{f}", None, "file", "the paper folder holds PDF files only")
                         for f in files if not f.lower().endswith(".pdf")]
        elif folder not in stems:
            problems.append(Problem(f"{folder}/", None, "folder",
                                    "matches no spreadsheet: a photo folder is named like its spreadsheet, "
                                    "without .XLS"))
    return problems


def _name_problems(file_name: str, sheet_name: SheetName | None, city_area: str | None, month: str | None,
                   today: date | None) -> list[Problem]:
    """A name breaking the rule, or naming another city or month than the package's first sheet."""
    if sheet_name is None:
        return [Problem(file_name, None, "file name", name_problem(file_name))]
    problems: list[Problem] = []
    if sheet_name.city != city_area:
        problems.append(Problem(file_name, None, "地市", f"city {sheet_name.city} differs from the "
                                                       f"package's city {city_area}: one city per package"))
    if sheet_name.month != month:
        problems.append(Problem(file_name, None, "申报年月", f"month {sheet_name.month} differs from the "
                                                         f"package's month {month}: one month per package"))
    try:
        parse_month(sheet_name.month, "申报年月", today)
    except InvalidInput as e:
        problems.append(Problem(file_name, None, "申报年月", e.rule))
    return problems


# ------------------------------------------------------------------------------- one spreadsheet
class _SheetCheck:
    """The checks of one spreadsheet, its rows and its photo folder; problems appended to a shared list."""

    def __init__(self, files: PackageFiles, file_name: str, sheet_name: SheetName | None,
                 photos: dict[str, PackageEntry], problems: list[Problem], seen_numbers: dict[str, str],
                 progress: Progress | None) -> None:
        self.files = files
        self.file_name = file_name
        self.stem = file_name.rsplit(".", 1)[0]
        self.sheet_name = sheet_name
        self.photos = photos
        self.problems = problems
        self.seen_numbers = seen_numbers  # ZSGLH -> "file row N", across the package's sheets
        self.ids: dict[str, int] = {}  # ZJHM -> row, in this sheet
        self.progress = progress

    def problem(self, row: int | None, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.file_name, row, field_name, message))

    def run(self, entry: PackageEntry) -> PackageSheet:
        table = self._table(entry)
        columns = _columns(table[0], self.problem) if table else None
        if table is None or columns is None:
            return PackageSheet(self.file_name, self.sheet_name, (), 0)
        rows: list[PackageRow] = []
        for r, raw in enumerate(table[1:], start=2):
            if not any(c.value for c in raw):
                continue
            rows.append(self._row(r, raw, columns))
            if self.progress is not None:
                self.progress(1)
        used_photos = {row.cells["ZP"] for row in rows if row.cells.get("ZP")}
        for orphan in sorted(set(self.photos) - used_photos):
            self.problems.append(Problem(f"{self.stem}/{orphan}", None, "ZP", "no row of the spreadsheet names "
                                                                              "this photo (a photo is named ZJHM.jpg)"))
        if self.sheet_name is not None and self.sheet_name.count != len(rows):
            self.problem(None, "N人", f"the name says {self.sheet_name.count}人, the spreadsheet has "
                                      f"{len(rows)} row(s)")
        if not rows:
            self.problem(None, "rows", "the spreadsheet has a header but no rows")
        return PackageSheet(self.file_name, self.sheet_name, tuple(rows), len(self.photos))

    def _table(self, entry: PackageEntry) -> list[list[ReadCell]] | None:
        """The spreadsheet's rows, None (a problem recorded) when it cannot be read or is empty."""
        if entry.size > MAX_SHEET_BYTES:
            self.problem(None, "file", f"{entry.size // KB} KB: too large for a spreadsheet of this package")
            return None
        try:
            table = self.files.cells(entry)
        except UnreadableEntry as e:
            self.problem(None, "file", f"cannot be read from the zip ({e.reason})")
            return None
        except InvalidInput as e:
            self.problem(None, "file", e.rule)
            return None
        if not table:
            self.problem(None, "header", f"the spreadsheet is empty: a header row {', '.join(FIELDS)} and rows")
            return None
        return table

    def _row(self, r: int, raw: Sequence[ReadCell], columns: dict[str, int]) -> PackageRow:
        cells = self._cells(r, raw, columns)
        for f, message in check_row(cells, self.sheet_name):
            self.problem(r, f, message)
        self._unique(r, cells)
        photo_sha = self._photo(r, cells["ZP"]) if cells.get("ZP") else ""
        return PackageRow(r, cells, photo_sha)

    def _cells(self, r: int, raw: Sequence[ReadCell], columns: dict[str, int]) -> dict[str, str]:
        cells = {}
        for name, col in columns.items():
            cell = raw[col] if col < len(raw) else ReadCell("", True)
            if not cell.text:
                self.problem(r, name, f"stored as a number or date, not as text ({cell.value}): set the cells to "
                                      "文本 (text) before typing")
            cells[name] = cell.value
        extra = [c.value for i, c in enumerate(raw) if i not in columns.values() and c.value]
        if extra:
            self.problem(r, "row", f"has values outside the {len(FIELDS)} columns: {', '.join(extra[:3])}")
        return cells

    def _unique(self, r: int, cells: dict[str, str]) -> None:
        """One request per certificate in the package, one ID number per sheet (photos are named by it)."""
        number = cells.get("ZSGLH", "").upper()
        if number:
            cells["ZSGLH"] = number
            if number in self.seen_numbers:
                self.problem(r, "ZSGLH", f"{number} is also in {self.seen_numbers[number]}: one request per "
                                         "certificate")
            self.seen_numbers.setdefault(number, f"{self.file_name} row {r}")
        id_number = cells.get("ZJHM", "").upper()
        if id_number:
            cells["ZJHM"] = id_number
            if id_number in self.ids:
                self.problem(r, "ZJHM", f"the same ID number as row {self.ids[id_number]}: their photos would "
                                        "share a name")
            self.ids.setdefault(id_number, r)

    def _photo(self, row: int, photo_name: str) -> str:
        """The SHA-256 of the row's photo, checked under the rule; "" when it is missing or unreadable."""
        entry = self.photos.get(photo_name)
        if entry is None:
            self.problem(row, "ZP", f"photo {photo_name} is not in the folder {self.stem}/")
            return ""
        if entry.size > MAX_PHOTO_BYTES:
            self.problem(row, "ZP", f"photo {photo_name}: {entry.size / KB:.0f} KB is far too large")
            return ""
        try:
            blob = self.files.read(entry)
        except UnreadableEntry as e:
            self.problem(row, "ZP", f"photo {photo_name} cannot be read from the zip ({e.reason})")
            return ""
        for message in photo_problems(blob, self.sheet_name.exam_name if self.sheet_name else ""):
            self.problem(row, "ZP", f"photo {photo_name}: {message}")
        return sha256_hex(blob)


def _columns(header: Sequence[ReadCell], problem: Callable[[int | None, str, str], None]) -> dict[str, int] | None:
    """Column index of each field; the header names the fields by code (ZSGLH) or by label (管理号)."""
    by_label = {v: k for k, v in LABELS.items()}
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = cell.value.strip()
        if not text:
            continue
        code = text.upper() if text.upper() in LABELS else by_label.get(text)
        if code is None:
            problem(1, "header", f"unknown column {text!r}: the fields are {', '.join(FIELDS)}")
        elif code in columns:
            problem(1, "header", f"column {code} appears twice")
        else:
            columns[code] = i
    missing = [f for f in FIELDS if f not in columns]
    if missing:
        problem(1, "header", f"missing column(s): {', '.join(missing)}")
        return None
    return columns


# ---------------------------------------------------------------------------- the check's report
@dataclass(frozen=True)
class BatchReport:
    """What a check (or an import) found: every problem, and, once imported, the batches recorded."""

    package: str
    sha256: str
    city: str | None
    month: str | None
    sheets: tuple[dict[str, Any], ...]
    problems: tuple[Problem, ...]
    rows: int
    imported: bool = False
    batches: tuple[str, ...] = ()
    linked: tuple[str, ...] = field(default=(), repr=False)  # request numbers, in row order

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"package": self.package, "sha256": self.sha256, "city": self.city, "month": self.month,
                "ok": self.ok, "rows": self.rows, "sheets": list(self.sheets),
                "problems": [p.to_dict() for p in self.problems], "imported": self.imported,
                "batches": list(self.batches), "requests_linked": len(self.linked)}

    def summary(self) -> str:
        what = f"{self.package}: {len(self.sheets)} spreadsheet(s), {self.rows} row(s)"
        if self.problems:
            return f"{what}: {len(self.problems)} problem(s)"
        if self.imported:
            return f"{what}: imported as {len(self.batches)} batch(es), {len(self.linked)} request(s) forwarded"
        return f"{what}: no problems; ready to import"


