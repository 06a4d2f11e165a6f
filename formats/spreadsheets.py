"""The monthly batch's spreadsheets: one exam's rows written as a legacy BIFF8 .XLS (xlwt) or an
.XLSX (openpyxl), every cell text, and a received spreadsheet read back (xlrd, openpyxl) as rows of
cells that say whether each was stored as text.
"""

from __future__ import annotations

import io

from ledger.batch_check import ReadCell
from ledger.batch_plan import PlannedSheet
from ledger.batch_rules import FIELDS, SHEET_TITLE
from ledger.errors import InvalidInput

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy (BIFF8) workbook is an OLE2 compound file
_ZIP = b"PK\x03\x04"


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
