"""Bulk import of an existing certificate database (CSV or XLSX).

A file is validated whole first: every bad row is reported (row number, field, rule) and
nothing is written. A clean file is then recorded in one atomic save.

Headers may be the field names of CertificateData or the Chinese headers of the seed
template (姓名, 性别, 身份证号, 证书编号, 职业（工种）, 等级, …).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from ledger.errors import ImportRejected, InvalidInput, LedgerError
from ledger.values import CertificateData, parse_certificate

ALIASES = {
    "证书类别": "family", "证书编号": "number", "管理号": "number", "ZSGLH": "number",
    "发证机构代码": "authority", "姓名": "holder_name", "KSXM": "holder_name", "性别": "gender", "XB": "gender",
    "证件类别": "id_type", "ZJLB": "id_type", "身份证号": "id_number", "证件号码": "id_number", "ZJHM": "id_number",
    "职业（工种）": "occupation", "职业(工种)": "occupation", "职业": "occupation", "考试名称": "occupation",
    "等级": "level", "级别": "level", "BKJB": "level", "专业": "specialty", "BKZY": "specialty",
    "理论知识考试成绩": "theory_score", "操作技能考试成绩": "practical_score", "综合评审成绩": "review_score",
    "评定成绩": "result", "发证日期": "issue_date", "批准日期": "issue_date", "PZRQ": "issue_date",
    "证书样式": "style", "电子证书": "electronic", "考试代码": "exam_code",
}
KNOWN = set(CertificateData.__dataclass_fields__) - {"photo_sha256"}
REQUIRED = {"number", "holder_name", "gender", "id_number", "occupation", "level", "issue_date"}
MAX_PROBLEMS = 1000


def _column(header: str) -> str:
    text = header.strip().lstrip("\ufeff")
    return ALIASES.get(text, text)


def _rows_csv(path: Path) -> Iterator[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidInput("file", "not UTF-8 or GB18030 text")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as e:
        raise InvalidInput("file", f"not a valid CSV file: {e}") from None


def _rows_xlsx(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # imported here: only imports of spreadsheets pay for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise InvalidInput("file", f"not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else (v.date().isoformat() if hasattr(v, "date") and callable(v.date)
                                         else str(v)) for v in row]
    finally:
        book.close()


def read_rows(path: Path) -> Iterator[list[str]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _rows_csv(path)
    if suffix == ".xlsx":
        return _rows_xlsx(path)
    raise InvalidInput("file", f"a .csv or .xlsx file, got {path.suffix or 'no extension'!r}")


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def validate_file(path: Path, progress: Callable[[int], None] | None = None) -> list[CertificateData]:
    """Every row parsed and checked; raises ImportRejected listing each bad row (nothing written)."""
    if not path.is_file():
        raise InvalidInput("file", f"no such file: {path}")
    rows = read_rows(path)
    header = next(rows, None)
    if header is None:
        raise ImportRejected(path.name, [(1, "header", "the file is empty")])
    columns = [_column(h) for h in header]
    problems: list[tuple[int, str, str]] = []
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in KNOWN and h.strip()]
    missing = sorted(REQUIRED - set(columns))
    if unknown:
        problems.append((1, "header", f"unknown column(s): {', '.join(unknown)}"))
    if missing:
        problems.append((1, "header", f"missing column(s): {', '.join(missing)}"))
    if len(set(columns)) != len(columns):
        problems.append((1, "header", "a column appears twice"))
    if problems:
        raise ImportRejected(path.name, problems)
    out: list[CertificateData] = []
    seen: dict[str, int] = {}
    width = len(columns)
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.append((line, "row", f"has {len(row)} cells, the header has {width}"))
            continue
        try:
            data = parse_certificate(dict(zip(columns, row, strict=True)))
        except InvalidInput as e:
            problems.append((line, e.field, e.rule))
        except LedgerError as e:
            problems.append((line, "row", e.message))
        else:
            first = seen.setdefault(data.number, line)
            if first != line:
                problems.append((line, "number", f"{data.number} also on row {first}: a number is issued once"))
            out.append(data)
        if len(problems) >= MAX_PROBLEMS:
            problems.append((line, "file", f"stopped after {MAX_PROBLEMS} problems"))
            break
        if progress is not None and line % 1000 == 0:
            progress(1000)
    if problems:
        raise ImportRejected(path.name, problems)
    if not out:
        raise ImportRejected(path.name, [(2, "rows", "the file has a header but no rows")])
    return out
