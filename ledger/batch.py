"""The monthly reissue batch (seed 004 附件 证书补换操作说明): cities send the provincial center
their approved reissue and exchange requests for professional certificates, one package a month.

The package: per exam one spreadsheet named
`申报年月-考试代码-考试名称(证书补换印制信息)数据(地市)(N人).XLS` with the 11 fields ZSGLH … BMS, every
cell text; beside it a folder of the same name (without .XLS) holding the photos `ZJHM.jpg`;
all of it zipped. Here: the naming and row rules, the photo rules, the comparison with the
certificate database, reading and writing the package, and the events of an import: a
ReissueBatch per (city, month, exam) and a ServiceRequest.Forwarded event on each linked request.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain import CHINA, NAMESPACE, RequestKind, ServiceRequest, china_date
from ledger.errors import AttachmentError, ImportRejected, InvalidInput, LedgerError, RuleViolation
from ledger.identity import IdDocument, IdType
from ledger.reference import authorities, authority
from ledger.values import GENDERS, CertificateData, Family, normalise_occupation, parse_date, parse_management_number

# ----------------------------------------------------------------------------- the rule's data
FIELDS = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "BKZY", "CSNY", "PZRQ", "ZP", "BMS")
LABELS = {"ZSGLH": "管理号", "KSXM": "姓名", "ZJHM": "证件号码", "ZJLB": "证件类别", "XB": "性别", "BKJB": "级别",
          "BKZY": "专业", "CSNY": "出生年月", "PZRQ": "批准日期", "ZP": "照片", "BMS": "报名市"}
ALWAYS_REQUIRED = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "PZRQ", "BMS")
BATCH_KINDS = (RequestKind.REISSUE.value, RequestKind.EXCHANGE.value)
SHEET_TITLE = "证书补换印制信息"
PAPER_FOLDER = "纸质材料"  # the paper side's PDFs; the rule itself names only spreadsheets and photo folders
NAME_RULE = "申报年月-考试代码-考试名称(证书补换印制信息)数据(地市)(N人).XLS"

PHOTO_SIZE = (295, 413)
KB = 1024
PHOTO_MIN, PHOTO_MAX = 10 * KB, 30 * KB
PHOTO_FREE_FROM_YEAR = 2017  # certificates obtained in 2017 or later need no photo
# These exams' photos must be over 30 KB (seed 004 附件 二3).
LARGE_PHOTO_EXAMS = ("计算机技术与软件", "通信")
MAX_PHOTO_BYTES = 4 * 1024 * KB  # refuse to inflate anything bigger from a package
MAX_SHEET_BYTES = 64 * 1024 * KB
_IGNORED = ("__MACOSX/",)
_IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy (BIFF8) workbook is an OLE2 compound file
_ZIP = b"PK\x03\x04"

_NAME = re.compile(r"(?P<month>\d{6})-(?P<code>[0-9A-Za-z]{1,8})-(?P<exam>[^()/\\]+?)\(证书补换印制信息\)数据"
                   r"\((?P<city>[^()/\\]+)\)\((?P<count>\d+)人\)\.(?P<ext>XLS|XLSX)")
_MONTH_FORMS = (re.compile(r"(\d{4})-(\d{1,2})"), re.compile(r"(\d{4})(\d{2})"), re.compile(r"(\d{4})\.(\d{1,2})"),
                re.compile(r"(\d{4})/(\d{1,2})"), re.compile(r"(\d{4})年(\d{1,2})月"))
# Characters a file name cannot carry, or that would make the rule's brackets ambiguous.
_FILE_SAFE = str.maketrans({"(": "（", ")": "）", "/": "／", "\\": "＼"})


class BatchRejected(ImportRejected):
    """A package (or an export) failed its checks; carries every problem. Nothing was written."""

    def __init__(self, source: str, problems: Sequence[Problem], action: str = "imported") -> None:
        shown = "; ".join(p.line() for p in problems[:3])
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        LedgerError.__init__(self, f"{source}: {len(problems)} problem(s), nothing {action}: {shown}{more}")
        self.source = source
        self.action = action
        self.findings = tuple(problems)
        # The shape ImportRejected's readers expect (row, field, rule), the file folded into the field.
        self.problems = [(p.row or 0, f"{p.file}: {p.field}", p.message) for p in problems]

    def to_dict(self) -> dict[str, object]:  # type: ignore[override]
        return {"error": self.code, "message": self.message, "action": self.action,
                "problems": [p.to_dict() for p in self.findings]}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a package: which file, which spreadsheet row (None: the file itself), which field."""

    file: str
    row: int | None
    field: str
    message: str

    def line(self) -> str:
        where = f"{self.file} row {self.row}" if self.row is not None else self.file
        return f"{where}: {self.field}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message}


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """By file, then row, then the rule's field order."""
    order = {f: i for i, f in enumerate(FIELDS)}
    return sorted(problems, key=lambda p: (p.file, p.row or 0, order.get(p.field, len(order)), p.field))


# ------------------------------------------------------------------------------------ naming
@dataclass(frozen=True, slots=True)
class SheetName:
    """The parts of a spreadsheet's name under the rule."""

    month: str
    exam_code: str
    exam_name: str
    city: str  # the city's area name (地市), as the authority table gives it
    count: int
    extension: str = "XLS"

    @property
    def stem(self) -> str:
        """The name without extension: also the photo folder's name."""
        return (f"{self.month}-{self.exam_code}-{self.exam_name}({SHEET_TITLE})数据({self.city})"
                f"({self.count}人)")

    @property
    def file_name(self) -> str:
        return f"{self.stem}.{self.extension}"

    @classmethod
    def build(cls, month: str, exam_code: str, exam_name: str, city: str, count: int,
              extension: str = "XLS") -> SheetName:
        """The name of an exam's spreadsheet; brackets and slashes in names made full-width."""
        return cls(month, exam_code, exam_name.translate(_FILE_SAFE), city.translate(_FILE_SAFE), count, extension)

    @classmethod
    def parse(cls, name: str) -> SheetName | None:
        """The parts of a file name that follows the rule, else None."""
        m = _NAME.fullmatch(name)
        if m is None:
            return None
        return cls(m["month"], m["code"], m["exam"], m["city"], int(m["count"]), m["ext"])


def name_problem(name: str) -> str:
    """Why a spreadsheet's name does not follow the rule (for a name SheetName.parse refused)."""
    relaxed = name.replace("（", "(").replace("）", ")")
    if relaxed != name and _NAME.fullmatch(relaxed):
        return f"uses full-width brackets （）; the rule's are ASCII ( ): {NAME_RULE}"
    if re.fullmatch(r".*\.(xls|xlsx|Xls|Xlsx)", name):
        return f"the extension is written .XLS (or .XLSX) in capitals: {NAME_RULE}"
    return f"does not follow the naming rule {NAME_RULE}"


def parse_month(text: str, field: str = "month", today: date | None = None) -> str:
    """申报年月 as YYYYMM: a real month, not after this one."""
    value = (text or "").strip()
    if not re.fullmatch(r"\d{6}", value) or not 1 <= int(value[4:]) <= 12 or int(value[:4]) < 2000:
        raise InvalidInput(field, f"a month as YYYYMM (e.g. 202005), got {value!r}")
    now = today or date.today()
    if value > f"{now:%Y%m}":
        raise InvalidInput(field, f"{value} is in the future")
    return value


def month_of(at: datetime) -> str:
    """The YYYYMM of an instant on China's calendar."""
    return f"{china_date(at):%Y%m}"


def city_code(area: str, province: str) -> str | None:
    """The authority code of a city of `province` from its area name (地市/报名市)."""
    return next((a.code for a in authorities().values()
                 if a.province_code == province and a.code[2:] != "00" and a.area == area), None)


def is_large_photo_exam(exam_name: str) -> bool:
    """The computer-technology-and-software and the communications exams: photos over 30 KB."""
    return any(key in exam_name for key in LARGE_PHOTO_EXAMS)


def photo_required(approved_on: date) -> bool:
    """A certificate obtained before 2017 needs the applicant's photo."""
    return approved_on.year < PHOTO_FREE_FROM_YEAR


# -------------------------------------------------------------------------------------- rows
def row_cells(data: CertificateData, city_area: str, photo: bool) -> dict[str, str]:
    """The 11 fields of one certificate, as the spreadsheet carries them (all text)."""
    born = IdDocument(IdType(data.id_type), data.id_number).birth_date
    return {
        "ZSGLH": data.number, "KSXM": data.holder_name, "ZJHM": data.id_number,
        "ZJLB": IdType(data.id_type).label, "XB": data.gender, "BKJB": data.level, "BKZY": data.specialty,
        "CSNY": f"{born:%Y-%m}" if born else "", "PZRQ": data.issue_date,
        "ZP": f"{data.id_number}.jpg" if photo else "", "BMS": city_area,
    }


def _year_month(text: str) -> tuple[int, int] | None:
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        value = value.rsplit("-", 1)[0]
    for pattern in _MONTH_FORMS:
        m = pattern.fullmatch(value)
        if m and 1 <= int(m[2]) <= 12:
            return int(m[1]), int(m[2])
    return None


def check_row(cells: Mapping[str, str], sheet: SheetName | None) -> list[tuple[str, str]]:
    """The rule's checks of one row that need no database: (field, what is wrong) for each problem."""
    out: list[tuple[str, str]] = []
    for name in ALWAYS_REQUIRED:
        if not cells.get(name):
            out.append((name, f"missing: {LABELS[name]} is required"))
    if cells.get("ZSGLH"):
        try:
            parse_management_number(cells["ZSGLH"], "ZSGLH")
        except InvalidInput as e:
            out.append(("ZSGLH", e.rule))
    id_doc: IdDocument | None = None
    id_type: IdType | None = None
    if cells.get("ZJLB"):
        try:
            id_type = IdType.parse(cells["ZJLB"], "ZJLB")
        except InvalidInput as e:
            out.append(("ZJLB", e.rule))
    if cells.get("ZJHM") and id_type is not None:
        try:
            id_doc = IdDocument.parse(id_type, cells["ZJHM"], "ZJHM")
        except InvalidInput as e:
            out.append(("ZJHM", e.rule))
    gender = cells.get("XB", "")
    if gender and gender not in GENDERS:
        out.append(("XB", f"男 or 女, got {gender!r}"))
    elif gender and id_doc is not None and id_doc.gender not in (None, gender):
        out.append(("XB", f"{gender} disagrees with the ID number (its 17th digit says {id_doc.gender})"))
    born = id_doc.birth_date if id_doc is not None else None
    csny = cells.get("CSNY", "")
    if csny:
        ym = _year_month(csny)
        if ym is None:
            out.append(("CSNY", f"a year and month as YYYY-MM, got {csny!r}"))
        elif born is not None and ym != (born.year, born.month):
            out.append(("CSNY", f"{csny} disagrees with the birth date in the ID number ({born:%Y-%m})"))
    elif born is not None:
        out.append(("CSNY", f"missing: {LABELS['CSNY']} is required (the ID number gives {born:%Y-%m})"))
    approved: date | None = None
    if cells.get("PZRQ"):
        try:
            approved = parse_date(cells["PZRQ"], "PZRQ")
        except InvalidInput as e:
            out.append(("PZRQ", e.rule))
    photo = cells.get("ZP", "")
    if not photo and approved is not None and photo_required(approved):
        out.append(("ZP", f"missing: a photo is required for a certificate obtained before {PHOTO_FREE_FROM_YEAR}"))
    if photo and cells.get("ZJHM") and photo != f"{cells['ZJHM'].upper()}.jpg":
        out.append(("ZP", f"the photo is named ZJHM.jpg: {cells['ZJHM'].upper()}.jpg, got {photo!r}"))
    if sheet is not None and cells.get("BMS") and cells["BMS"] != sheet.city:
        out.append(("BMS", f"报名市 {cells['BMS']} is not the file's city {sheet.city}"))
    return out


def compare_with_certificate(cells: Mapping[str, str], data: CertificateData, sheet: SheetName | None,
                             city: str | None) -> list[tuple[str, str]]:
    """Where a row disagrees with the certificate database (seed 004 二(一)2: respect historical data)."""
    number = data.number
    if data.family != Family.PROFESSIONAL:
        return [("ZSGLH", f"{number} is a skill certificate, not a professional one")]
    out: list[tuple[str, str]] = []

    def differs(name: str, value: str, recorded: str, *, reveal: bool = True) -> None:
        if value and value != recorded:
            shown = f" ({value} there, {recorded or '(empty)'} on record)" if reveal else ""
            out.append((name, f"{LABELS[name]} disagrees with the certificate database for {number}{shown}"))

    differs("KSXM", cells.get("KSXM", ""), data.holder_name)
    differs("ZJHM", cells.get("ZJHM", "").upper(), data.id_number, reveal=False)  # never print an ID number
    try:
        id_type = IdType.parse(cells.get("ZJLB", ""), "ZJLB").label if cells.get("ZJLB") else ""
    except InvalidInput:
        id_type = ""
    differs("ZJLB", id_type, IdType(data.id_type).label)
    differs("XB", cells.get("XB", ""), data.gender)
    differs("BKJB", cells.get("BKJB", ""), data.level)
    if cells.get("BKZY", "") != data.specialty:
        out.append(("BKZY", f"{LABELS['BKZY']} disagrees with the certificate database for {number} "
                            f"({cells.get('BKZY') or '(empty)'} there, {data.specialty or '(empty)'} on record)"))
    try:
        approved = parse_date(cells.get("PZRQ", ""), "PZRQ").isoformat() if cells.get("PZRQ") else ""
    except InvalidInput:
        approved = ""
    differs("PZRQ", approved, data.issue_date)
    if sheet is not None:
        if normalise_occupation(sheet.exam_name) != normalise_occupation(data.occupation.translate(_FILE_SAFE)):
            out.append(("考试名称", f"{number} is a {data.occupation} certificate, not {sheet.exam_name}"))
        if data.exam_code and sheet.exam_code != data.exam_code:
            out.append(("考试代码", f"{number} has exam code {data.exam_code} on record, not {sheet.exam_code}"))
    if city is not None and data.authority != city:
        out.append(("BMS", f"{number} was issued by {data.authority} ({authority(data.authority).area}), "
                           f"not by the package's city {city}"))
    return out


# ------------------------------------------------------------------------------------ photos
def photo_problems(data: bytes, exam_name: str) -> list[str]:
    """What is wrong with a photo under the rule: JPEG, 295×413 px, 10–30 KB (over 30 KB for some exams), white."""
    from PIL import Image, UnidentifiedImageError

    out: list[str] = []
    size = len(data)
    if is_large_photo_exam(exam_name):
        if size <= PHOTO_MAX:
            out.append(f"{size / KB:.1f} KB: photos for the 计算机技术与软件 and 通信 exams must be over 30 KB")
    elif not PHOTO_MIN <= size <= PHOTO_MAX:
        out.append(f"{size / KB:.1f} KB: a photo is 10–30 KB")
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError):
        return [*out, "not an image: a JPG/JPEG photo is required"]
    if image.format != "JPEG":
        return [*out, f"a {image.format} image: a JPG/JPEG photo is required"]
    if image.size != PHOTO_SIZE:
        out.append(f"{image.size[0]}×{image.size[1]} px: a photo is {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} px")
        return out
    try:
        # A 1/8-scale decode: catches a truncated file and shows the background, at a fraction of the cost.
        image.draft("L", (PHOTO_SIZE[0] // 8, PHOTO_SIZE[1] // 8))
        image.load()
        small = image.convert("L")
    except (OSError, ValueError, SyntaxError):
        return [*out, "the JPEG data is damaged or truncated"]
    w = small.width
    corners = [cast(int, small.getpixel((x, y))) for y in (0, 1) for x in (0, 1, w - 2, w - 1)]
    if sum(corners) / len(corners) < 200:
        out.append("the background is not white (an ID photo on white is required)")
    return out


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of bytes, as the attachment store names them."""
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- the export's plan
@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One approved request to send: what the export query returns."""

    request_number: str
    kind: str
    data: CertificateData
    photo_sha256: str  # the photo attached to the request, else the certificate's; "" if none
    approved_at: datetime
    status: str = "current"  # the certificate's current edition: a revoked one is not reissued


@dataclass(frozen=True, slots=True)
class PlannedRow:
    cells: dict[str, str]
    kind: str
    request_number: str


@dataclass(frozen=True)
class PlannedSheet:
    name: SheetName
    rows: tuple[PlannedRow, ...]
    photos: tuple[tuple[str, bytes], ...]  # (ZJHM.jpg, JPEG bytes)


@dataclass(frozen=True)
class ExportPlan:
    city: str
    city_area: str
    month: str
    sheets: tuple[PlannedSheet, ...]

    @property
    def rows(self) -> int:
        return sum(len(s.rows) for s in self.sheets)

    @property
    def package_name(self) -> str:
        return f"{self.month}-证书补换数据({self.city_area}).zip"


def plan_export(city: str, month: str, entries: Sequence[BatchEntry], photo: Callable[[str], bytes],
                extension: str = "XLS", exam_codes: Mapping[str, str] | None = None,
                progress: Callable[[int], None] | None = None) -> ExportPlan:
    """Group a month's entries by exam, order each by approval date, check every row and photo.

    Raises BatchRejected listing every problem: a city sends nothing it would be refused.
    """
    area = authority(city, field="city").area
    codes = {normalise_occupation(k): v for k, v in (exam_codes or {}).items()}
    problems: list[Problem] = []
    groups: dict[tuple[str, str], list[BatchEntry]] = {}
    for entry in entries:
        code = entry.data.exam_code or codes.get(normalise_occupation(entry.data.occupation), "")
        groups.setdefault((code, entry.data.occupation), []).append(entry)
    sheets: list[PlannedSheet] = []
    for (code, exam), group in sorted(groups.items()):
        group.sort(key=lambda e: (e.data.issue_date, e.data.number))  # the rule: ordered by pass date
        name = SheetName.build(month, code or "???", exam, area, len(group), extension)
        if not code:
            problems.append(Problem(name.file_name, None, "考试代码",
                                    f"the {exam} certificates have no exam code (考试代码) on record: "
                                    f"give it with --exam-code {exam}=CODE"))
        rows: list[PlannedRow] = []
        photos: list[tuple[str, bytes]] = []
        seen: dict[str, int] = {}
        for line, entry in enumerate(group, start=2):
            data = entry.data
            problem = _collector(problems, name.file_name, line, entry.request_number)
            needed = photo_required(data.issued_on)
            cells = row_cells(data, area, photo=needed)
            if data.number in seen:
                problem("ZSGLH", f"{data.number} is also on row {seen[data.number]}: two approved requests "
                                 "for one certificate")
            seen.setdefault(data.number, line)
            if entry.status == "revoked":
                problem("ZSGLH", f"{data.number} is revoked: it cannot be reissued or exchanged")
            for f, message in check_row(cells, name):
                problem(f, message)
            if needed:
                blob = _photo_for(entry, photo, problem)
                if blob is not None:
                    for message in photo_problems(blob, exam):
                        problem("ZP", f"{message}; attach another: certledger batch photo {entry.request_number} "
                                      "FILE")
                    photos.append((cells["ZP"], blob))
            rows.append(PlannedRow(cells, entry.kind, entry.request_number))
            if progress is not None:
                progress(1)
        sheets.append(PlannedSheet(name, tuple(rows), tuple(photos)))
    if problems:
        raise BatchRejected(f"the {month} batch of {city}", sort_problems(problems), action="exported")
    return ExportPlan(city, area, month, tuple(sheets))


def _collector(problems: list[Problem], file_name: str, row: int, request: str) -> Callable[[str, str], None]:
    """problem(field, message) for one row of the export: the message names the request to fix."""
    def problem(field_name: str, message: str) -> None:
        problems.append(Problem(file_name, row, field_name, f"{request}: {message}"))

    return problem


def _photo_for(entry: BatchEntry, photo: Callable[[str], bytes], problem: Callable[[str, str], None]) -> bytes | None:
    if not entry.photo_sha256:
        problem("ZP", f"no photo, and the certificate (approved {entry.data.issue_date}, before "
                      f"{PHOTO_FREE_FROM_YEAR}) needs one: certledger batch photo {entry.request_number} FILE")
        return None
    try:
        return photo(entry.photo_sha256)
    except AttachmentError as e:
        problem("ZP", f"{e.message}: attach it again: certledger batch photo {entry.request_number} FILE")
        return None


# ------------------------------------------------------------------------------ spreadsheets
def sheet_bytes(sheet: PlannedSheet) -> bytes:
    """The spreadsheet of one exam: a legacy BIFF8 .XLS (xlwt) or an .XLSX (openpyxl), every cell text."""
    return _xlsx_bytes(sheet) if sheet.name.extension == "XLSX" else _xls_bytes(sheet)


_WIDTHS = {"ZSGLH": 20, "KSXM": 10, "ZJHM": 21, "ZJLB": 14, "XB": 5, "BKJB": 8, "BKZY": 14, "CSNY": 9, "PZRQ": 11,
           "ZP": 24, "BMS": 10}


def _xls_bytes(sheet: PlannedSheet) -> bytes:
    import xlwt  # type: ignore[import-untyped]
    from xlwt.Cell import StrCell  # type: ignore[import-untyped]

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(SHEET_TITLE)
    text = xlwt.easyxf(num_format_str="@")  # the cell format 文本 ("@"), as the rule asks
    xf = book.add_style(text)
    empty = book.add_str("")
    for col, name in enumerate(FIELDS):
        ws.col(col).width = 256 * _WIDTHS[name]
    rows = [dict(zip(FIELDS, FIELDS, strict=True)), *(r.cells for r in sheet.rows)]
    for r, cells in enumerate(rows):
        row = ws.row(r)
        for col, name in enumerate(FIELDS):
            value = cells[name]
            if value:
                row.write(col, value, text)
            else:
                # xlwt writes "" as a BLANK record; an empty string cell keeps every cell text.
                row.insert_cell(col, StrCell(r, col, xf, empty))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_bytes(sheet: PlannedSheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET_TITLE)
    for col, name in enumerate(FIELDS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = _WIDTHS[name]

    def cell(value: str) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        c.number_format = "@"
        c.data_type = "s"  # an empty string stays a string cell
        return c

    ws.append([cell(name) for name in FIELDS])
    for row in sheet.rows:
        ws.append([cell(row.cells[name]) for name in FIELDS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class ReadCell:
    value: str
    text: bool  # stored as text (or empty), not as a number, date, boolean or error


def read_sheet(data: bytes, extension: str) -> list[list[ReadCell]]:
    """Every row of the first worksheet; raises InvalidInput('file', why) for an unreadable workbook."""
    if extension == "XLS":
        if data[:4] == _ZIP:
            raise InvalidInput("file", "is an .xlsx (OOXML) workbook named .XLS: save it as Excel 97-2003 (.xls)")
        if data[:8] != _OLE2:
            raise InvalidInput("file", "is not a legacy Excel (BIFF8, Excel 97-2003) workbook")
        return _read_xls(data)
    if data[:4] != _ZIP:
        raise InvalidInput("file", "is not an .xlsx (OOXML) workbook")
    return _read_xlsx(data)


def _read_xls(data: bytes) -> list[list[ReadCell]]:
    import xlrd  # type: ignore[import-untyped]

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as e:  # xlrd raises many kinds for a broken file
        raise InvalidInput("file", f"not a readable legacy Excel workbook ({type(e).__name__})") from None
    book.release_resources()  # the sheet is loaded; the rest of the file is not needed
    text, blank = (xlrd.XL_CELL_TEXT,), (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    rows: list[list[ReadCell]] = []
    for r in range(sheet.nrows):
        row = []
        for c in sheet.row(r):
            if c.ctype in text:
                row.append(ReadCell(str(c.value).strip(), True))
            elif c.ctype in blank:
                row.append(ReadCell("", True))
            else:
                row.append(ReadCell(_number_text(c.value), False))
        rows.append(row)
    return rows


def _read_xlsx(data: bytes) -> list[list[ReadCell]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        ws = book.worksheets[0]
        rows = [[ReadCell("" if v is None else (v.strip() if isinstance(v, str) else _number_text(v)),
                          v is None or isinstance(v, str)) for v in row] for row in ws.iter_rows(values_only=True)]
        book.close()
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise InvalidInput("file", f"not a readable .xlsx workbook ({type(e).__name__})") from None
    return rows


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ----------------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class ExportResult:
    package: Path
    sha256: str
    city: str
    month: str
    sheets: tuple[dict[str, Any], ...]
    paper: tuple[str, ...]
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"package": str(self.package), "sha256": self.sha256, "city": self.city, "month": self.month,
                "rows": self.rows, "sheets": list(self.sheets), "paper": list(self.paper)}


def write_package(plan: ExportPlan, out_dir: Path, paper: Sequence[tuple[str, bytes]] = (),
                  progress: Callable[[int], None] | None = None, now: datetime | None = None) -> ExportResult:
    """Zip the spreadsheets, the photo folders and the paper side; written whole or not at all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir.resolve() / plan.package_name
    stamp = china_date_time(now or datetime.now(UTC))
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".batch-", suffix=".zip.tmp")
    sheets = []
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w") as zf:
                for sheet in plan.sheets:
                    _add(zf, sheet.name.file_name, sheet_bytes(sheet), stamp, zipfile.ZIP_DEFLATED)
                    _add(zf, f"{sheet.name.stem}/", b"", stamp, zipfile.ZIP_STORED)
                    for photo_name, blob in sheet.photos:  # JPEG does not deflate: store it
                        _add(zf, f"{sheet.name.stem}/{photo_name}", blob, stamp, zipfile.ZIP_STORED)
                        if progress is not None:
                            progress(1)
                    sheets.append({"file": sheet.name.file_name, "exam_code": sheet.name.exam_code,
                                   "exam_name": sheet.name.exam_name, "rows": len(sheet.rows),
                                   "photos": len(sheet.photos)})
                for name, blob in paper:
                    _add(zf, f"{PAPER_FOLDER}/{name}", blob, stamp, zipfile.ZIP_DEFLATED)
            raw.flush()
            os.fsync(raw.fileno())
        digest = file_sha256(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ExportResult(target, digest, plan.city, plan.month, tuple(sheets), tuple(n for n, _ in paper), plan.rows)


def china_date_time(at: datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry's date and time: China's wall clock."""
    local = at.astimezone(CHINA)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def _add(zf: zipfile.ZipFile, name: str, data: bytes, stamp: tuple[int, int, int, int, int, int],
         method: int) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = method
    info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o644 << 16
    zf.writestr(info, data)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------------- reading
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


def read_package(path: Path, progress: Callable[[int], None] | None = None,
                 today: date | None = None) -> Package:
    """Read and check a package's layout, names, rows and photos; problems are collected, not raised.

    Raises InvalidInput only for a file that is not a readable zip at all.
    """
    if not path.is_file():
        raise InvalidInput("file", f"no such file: {path}")
    digest = file_sha256(path)
    try:
        # Packages zipped on Chinese Windows carry GBK names without the UTF-8 flag.
        zf = zipfile.ZipFile(path, metadata_encoding="gb18030")
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InvalidInput("file", f"{path.name} is not a readable zip package ({type(e).__name__})") from None
    with zf:
        return _read_zip(path, digest, zf, progress, today)


def _read_zip(path: Path, digest: str, zf: zipfile.ZipFile, progress: Callable[[int], None] | None,
              today: date | None) -> Package:
    problems: list[Problem] = []
    infos = [i for i in zf.infolist() if not i.filename.startswith(_IGNORED)
             and i.filename.rstrip("/").rsplit("/", 1)[-1] not in _IGNORED_NAMES]
    names = [i.filename.replace("\\", "/") for i in infos]
    prefix = _wrapper_folder(names)
    sheets_found: dict[str, zipfile.ZipInfo] = {}
    folders: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")[len(prefix):]  # old Windows zippers separate with backslashes
        if not name:
            continue
        parts = name.rstrip("/").split("/")
        if info.is_dir():
            if len(parts) == 1:
                folders.setdefault(parts[0], {})
            else:
                problems.append(Problem(name, None, "folder", "nested folders are not part of the package"))
        elif len(parts) == 1:
            if re.search(r"\.xlsx?$", name, re.IGNORECASE):
                sheets_found[name] = info
            else:
                problems.append(Problem(name, None, "file", "an unexpected file: the package holds one spreadsheet "
                                                            "per exam and its photo folder"))
        elif len(parts) == 2:
            folders.setdefault(parts[0], {})[parts[1]] = info
        else:
            problems.append(Problem(name, None, "file", "nested folders are not part of the package"))
    if not sheets_found:
        problems.append(Problem(path.name, None, "package", f"holds no spreadsheet named {NAME_RULE}"))
    stems = {n.rsplit(".", 1)[0] for n in sheets_found}
    for folder, files in sorted(folders.items()):
        if folder == PAPER_FOLDER:
            problems += [Problem(f"{folder}/{f}", None, "file", "the paper folder holds PDF files only")
                         for f in files if not f.lower().endswith(".pdf")]
        elif folder not in stems:
            problems.append(Problem(f"{folder}/", None, "folder",
                                    "matches no spreadsheet: a photo folder is named like its spreadsheet, "
                                    "without .XLS"))
    parsed = {n: SheetName.parse(n) for n in sheets_found}
    good = [p for p in parsed.values() if p is not None]
    city_area = good[0].city if good else None
    month = good[0].month if good else None
    sheets: list[PackageSheet] = []
    seen_numbers: dict[str, str] = {}
    for file_name, info in sorted(sheets_found.items()):
        sheet_name = parsed[file_name]
        if sheet_name is None:
            problems.append(Problem(file_name, None, "file name", name_problem(file_name)))
        else:
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
        stem = file_name.rsplit(".", 1)[0]
        photos = folders.get(stem, {})
        sheet = _read_one_sheet(zf, info, file_name, sheet_name, photos, problems, seen_numbers, progress)
        sheets.append(sheet)
    return Package(path, digest, tuple(sheets), tuple(problems), city_area, month)


def _wrapper_folder(names: Sequence[str]) -> str:
    """A package zipped from its enclosing folder: that folder is not part of the layout."""
    if any("/" not in n.rstrip("/") and re.search(r"\.xlsx?$", n, re.IGNORECASE) for n in names):
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return next(iter(tops)) + "/"
    return ""


def _read_one_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str, sheet_name: SheetName | None,
                    photos: dict[str, zipfile.ZipInfo], problems: list[Problem], seen_numbers: dict[str, str],
                    progress: Callable[[int], None] | None) -> PackageSheet:
    def problem(row: int | None, field_name: str, message: str) -> None:
        problems.append(Problem(file_name, row, field_name, message))

    extension = file_name.rsplit(".", 1)[1].upper()
    if info.file_size > MAX_SHEET_BYTES:
        problem(None, "file", f"{info.file_size // KB} KB: too large for a spreadsheet of this package")
        return PackageSheet(file_name, sheet_name, (), 0)
    try:
        table = read_sheet(zf.read(info), extension)
    except InvalidInput as e:
        problem(None, "file", e.rule)
        return PackageSheet(file_name, sheet_name, (), 0)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        problem(None, "file", f"cannot be read from the zip ({type(e).__name__})")
        return PackageSheet(file_name, sheet_name, (), 0)
    if not table:
        problem(None, "header", f"the spreadsheet is empty: a header row {', '.join(FIELDS)} and rows")
        return PackageSheet(file_name, sheet_name, (), 0)
    columns = _columns(table[0], problem)
    if columns is None:
        return PackageSheet(file_name, sheet_name, (), 0)
    rows: list[PackageRow] = []
    used_photos: set[str] = set()
    ids: dict[str, int] = {}
    for r, raw in enumerate(table[1:], start=2):
        if not any(c.value for c in raw):
            continue
        cells = {}
        for name, col in columns.items():
            cell = raw[col] if col < len(raw) else ReadCell("", True)
            if not cell.text:
                problem(r, name, f"stored as a number or date, not as text ({cell.value}): set the cells to 文本 "
                                 "(text) before typing")
            cells[name] = cell.value
        extra = [c.value for i, c in enumerate(raw) if i not in columns.values() and c.value]
        if extra:
            problem(r, "row", f"has values outside the {len(FIELDS)} columns: {', '.join(extra[:3])}")
        for f, message in check_row(cells, sheet_name):
            problem(r, f, message)
        number = cells.get("ZSGLH", "").upper()
        if number:
            cells["ZSGLH"] = number
            if number in seen_numbers:
                problem(r, "ZSGLH", f"{number} is also in {seen_numbers[number]}: one request per certificate")
            seen_numbers.setdefault(number, f"{file_name} row {r}")
        id_number = cells.get("ZJHM", "").upper()
        if id_number:
            cells["ZJHM"] = id_number
            if id_number in ids:
                problem(r, "ZJHM", f"the same ID number as row {ids[id_number]}: their photos would share a name")
            ids.setdefault(id_number, r)
        photo_sha = ""
        if cells.get("ZP"):
            photo_sha = _check_photo(zf, photos, cells["ZP"], file_name, sheet_name, r, problem)
            used_photos.add(cells["ZP"])
        rows.append(PackageRow(r, cells, photo_sha))
        if progress is not None:
            progress(1)
    stem = file_name.rsplit(".", 1)[0]
    for orphan in sorted(set(photos) - used_photos):
        problems.append(Problem(f"{stem}/{orphan}", None, "ZP", "no row of the spreadsheet names this photo "
                                                                "(a photo is named ZJHM.jpg)"))
    if sheet_name is not None and sheet_name.count != len(rows):
        problem(None, "N人", f"the name says {sheet_name.count}人, the spreadsheet has {len(rows)} row(s)")
    if not rows:
        problem(None, "rows", "the spreadsheet has a header but no rows")
    return PackageSheet(file_name, sheet_name, tuple(rows), len(photos))


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


def _check_photo(zf: zipfile.ZipFile, photos: dict[str, zipfile.ZipInfo], photo_name: str, file_name: str,
                 sheet_name: SheetName | None, row: int, problem: Callable[[int | None, str, str], None]) -> str:
    stem = file_name.rsplit(".", 1)[0]
    info = photos.get(photo_name)
    if info is None:
        problem(row, "ZP", f"photo {photo_name} is not in the folder {stem}/")
        return ""
    if info.file_size > MAX_PHOTO_BYTES:
        problem(row, "ZP", f"photo {photo_name}: {info.file_size / KB:.0f} KB is far too large")
        return ""
    try:
        blob = zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        problem(row, "ZP", f"photo {photo_name} cannot be read from the zip ({type(e).__name__})")
        return ""
    for message in photo_problems(blob, sheet_name.exam_name if sheet_name else ""):
        problem(row, "ZP", f"photo {photo_name}: {message}")
    return sha256_hex(blob)


@dataclass(frozen=True, slots=True)
class RowLink:
    """A package row matched to its certificate edition and the approved request it carries."""

    row: int
    number: str
    request: ServiceRequest
    edition: int
    photo_sha256: str


SheetLinks = tuple[PackageSheet, list[RowLink]]


def is_management_number(text: str) -> bool:
    """A well-formed 管理号 (ZSGLH)."""
    try:
        parse_management_number(text, "ZSGLH")
    except InvalidInput:
        return False
    return True


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


# ------------------------------------------------------------------------ the events of an import
def batch_id(city: str, month: str, exam_code: str) -> UUID:
    """One batch per city, month and exam: the same package cannot be imported twice."""
    return uuid5(NAMESPACE, f"reissue-batch/{city}/{month}/{exam_code.upper()}")


def batch_label(city: str, month: str, exam_code: str) -> str:
    """How people name a batch: month-exam code-city."""
    return f"{month}-{exam_code}-{city}"


class ReissueBatch(Aggregate):
    """One exam's spreadsheet of a city's monthly package, as the provincial center imported it."""

    class Imported(Aggregate.Created):
        city: str
        month: str
        exam_code: str
        exam_name: str
        file_name: str
        package_name: str
        package_sha256: str
        rows: list[dict[str, Any]]
        operator: str
        office: str
        at: datetime

    def __init__(self, city: str, month: str, exam_code: str, exam_name: str, file_name: str, package_name: str,
                 package_sha256: str, rows: list[dict[str, Any]], operator: str, office: str,
                 at: datetime) -> None:
        self.city = city
        self.month = month
        self.exam_code = exam_code
        self.exam_name = exam_name
        self.file_name = file_name
        self.package_name = package_name
        self.package_sha256 = package_sha256
        self.rows = rows
        self.imported_by: dict[str, Any] = {"operator": operator, "office": office, "at": at}

    @property
    def label(self) -> str:
        return batch_label(self.city, self.month, self.exam_code)

    @classmethod
    def import_sheet(cls, city: str, month: str, exam_code: str, exam_name: str, file_name: str,
                     package_name: str, package_sha256: str, rows: Sequence[Mapping[str, Any]], operator: str,
                     office: str, at: datetime) -> ReissueBatch:
        """Record one exam's rows (each linked to its request); the provincial center of the city's province."""
        require_provincial_center(office, city)
        parse_month(month, "month", today=china_date(at))
        if not rows:
            raise InvalidInput("rows", "a batch has at least one row")
        requests = [r["request"] for r in rows]
        if len(set(requests)) != len(requests):
            raise InvalidInput("rows", "links a request twice")
        return cls._create(cls.Imported, id=batch_id(city, month, exam_code), city=city, month=month,
                           exam_code=exam_code, exam_name=exam_name, file_name=file_name, package_name=package_name,
                           package_sha256=package_sha256, rows=[dict(r) for r in rows], operator=operator,
                           office=office, at=at)


def require_provincial_center(office: str, city: str) -> None:
    """Only the provincial center (code ending 00) of the city's province imports its batches."""
    if office[2:] != "00" or office[:2] != city[:2]:
        centre = authority(city[:2] + "00")
        raise RuleViolation("batch-provincial-center-only",
                            f"office {office} may not import the batch of {city}: the provincial center "
                            f"{centre.code} ({centre.office}) imports its province's batches")
