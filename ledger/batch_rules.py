"""The monthly reissue batch's rules (seed 004 附件 证书补换操作说明): the rule's data, the names,
the row and photo checks and the comparison with the certificate database.

A city sends the provincial center its approved reissue and exchange requests for professional
certificates, one package a month: per exam one spreadsheet named
`申报年月-考试代码-考试名称(证书补换印制信息)数据(地市)(N人).XLS` with the 11 fields ZSGLH … BMS, every
cell text; beside it a folder of the same name (without .XLS) holding the photos `ZJHM.jpg`.
The export's plan is in ledger.batch_plan, the check of a read package in ledger.batch_check,
the events in ledger.batch; the files themselves are read and written in formats/.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from ledger.domain import RequestKind, china_date
from ledger.errors import ImportRejected, InvalidInput, LedgerError
from ledger.identity import IdDocument, IdType
from ledger.reference import authorities, authority
from ledger.values import GENDERS, CertificateData, Family, normalise_occupation, parse_date, parse_management_number

# ----------------------------------------------------------------------------- the rule's data
FIELDS = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "BKZY", "CSNY", "PZRQ", "ZP", "BMS")
LABELS = {"ZSGLH": "管理号", "KSXM": "姓名", "ZJHM": "证件号码", "ZJLB": "证件类别", "XB": "性别", "BKJB": "级别",
          "BKZY": "专业", "CSNY": "出生年月", "PZRQ": "批准日期", "ZP": "照片", "BMS": "报名市"}
ALWAYS_REQUIRED = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "PZRQ", "BMS")
BATCH_KINDS = (RequestKind.REISSUE.value, RequestKind.EXCHANGE.value, RequestKind.QUALIFICATION.value)
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
    out = [(name, f"missing: {LABELS[name]} is required") for name in ALWAYS_REQUIRED if not cells.get(name)]
    if cells.get("ZSGLH"):
        out += _refused("ZSGLH", lambda: parse_management_number(cells["ZSGLH"], "ZSGLH"))
    id_doc = _id_document(cells, out)
    out += _gender_problems(cells.get("XB", ""), id_doc)
    out += _birth_month_problems(cells.get("CSNY", ""), id_doc.birth_date if id_doc is not None else None)
    out += _photo_cell_problems(cells)
    if sheet is not None and cells.get("BMS") and cells["BMS"] != sheet.city:
        out.append(("BMS", f"报名市 {cells['BMS']} is not the file's city {sheet.city}"))
    return out


def _refused(name: str, parse: Callable[[], object]) -> list[tuple[str, str]]:
    """The rule a parser refused the field's value with, if it did."""
    try:
        parse()
    except InvalidInput as e:
        return [(name, e.rule)]
    return []


def _id_document(cells: Mapping[str, str], out: list[tuple[str, str]]) -> IdDocument | None:
    """The ID document of ZJLB and ZJHM, None (the problem added to `out`) when either is missing or wrong."""
    id_type: IdType | None = None
    if cells.get("ZJLB"):
        try:
            id_type = IdType.parse(cells["ZJLB"], "ZJLB")
        except InvalidInput as e:
            out.append(("ZJLB", e.rule))
    if not cells.get("ZJHM") or id_type is None:
        return None
    try:
        return IdDocument.parse(id_type, cells["ZJHM"], "ZJHM")
    except InvalidInput as e:
        out.append(("ZJHM", e.rule))
        return None


def _gender_problems(gender: str, id_doc: IdDocument | None) -> list[tuple[str, str]]:
    if gender and gender not in GENDERS:
        return [("XB", f"男 or 女, got {gender!r}")]
    if gender and id_doc is not None and id_doc.gender not in (None, gender):
        return [("XB", f"{gender} disagrees with the ID number (its 17th digit says {id_doc.gender})")]
    return []


def _birth_month_problems(csny: str, born: date | None) -> list[tuple[str, str]]:
    if not csny:
        if born is None:
            return []
        return [("CSNY", f"missing: {LABELS['CSNY']} is required (the ID number gives {born:%Y-%m})")]
    ym = _year_month(csny)
    if ym is None:
        return [("CSNY", f"a year and month as YYYY-MM, got {csny!r}")]
    if born is not None and ym != (born.year, born.month):
        return [("CSNY", f"{csny} disagrees with the birth date in the ID number ({born:%Y-%m})")]
    return []


def _photo_cell_problems(cells: Mapping[str, str]) -> list[tuple[str, str]]:
    """PZRQ, and the photo cell: required before 2017, named ZJHM.jpg."""
    out: list[tuple[str, str]] = []
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


def is_management_number(text: str) -> bool:
    """A well-formed 管理号 (ZSGLH)."""
    try:
        parse_management_number(text, "ZSGLH")
    except InvalidInput:
        return False
    return True


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
