"""Bulk import of an existing certificate database: the validation of its rows.

A file is validated whole first: every bad row is reported (row number, field, rule) and
nothing is written. A clean file is then recorded in one atomic save. The file itself (CSV or
XLSX) is read by formats.import_file; here are its rows, as text cells.

Headers may be the field names of CertificateData or the Chinese headers of the seed
template (姓名, 性别, 身份证号, 证书编号, 职业（工种）, 等级, …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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

Problems = list[tuple[int, str, str]]  # (row, field, rule)


def _column(header: str) -> str:
    text = header.strip().lstrip("\ufeff")
    return ALIASES.get(text, text)


def validate_rows(rows: Iterable[Sequence[str]], source: str,
                  progress: Callable[[int], None] | None = None) -> list[CertificateData]:
    """Every row (the header first) parsed and checked; raises ImportRejected naming `source` and each bad
    row (nothing written)."""
    lines = iter(rows)
    header = next(lines, None)
    if header is None:
        raise ImportRejected(source, [(1, "header", "the file is empty")])
    columns = [_column(h) for h in header]
    problems = _header_problems(header, columns)
    if problems:
        raise ImportRejected(source, problems)
    out: list[CertificateData] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(lines, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            problems.append((line, "row", f"has {len(row)} cells, the header has {len(columns)}"))
            continue
        data = _parse_row(line, row, columns, problems)
        if data is not None:
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
        raise ImportRejected(source, problems)
    if not out:
        raise ImportRejected(source, [(2, "rows", "the file has a header but no rows")])
    return out


def _header_problems(header: Sequence[str], columns: Sequence[str]) -> Problems:
    problems: Problems = []
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in KNOWN and h.strip()]
    missing = sorted(REQUIRED - set(columns))
    if unknown:
        problems.append((1, "header", f"unknown column(s): {', '.join(unknown)}"))
    if missing:
        problems.append((1, "header", f"missing column(s): {', '.join(missing)}"))
    if len(set(columns)) != len(columns):
        problems.append((1, "header", "a column appears twice"))
    return problems


def _parse_row(line: int, row: Sequence[str], columns: Sequence[str], problems: Problems) -> CertificateData | None:
    """One row's certificate, None (its problem added) when a value is wrong."""
    try:
        return parse_certificate(dict(zip(columns, row, strict=True)))
    except InvalidInput as e:
        problems.append((line, e.field, e.rule))
    except LedgerError as e:
        problems.append((line, "row", e.message))
    return None
