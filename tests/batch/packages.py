"""Reading and re-writing packages in tests with independent tools: zipfile, xlrd, xlwt."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import xlrd  # type: ignore[import-untyped]
import xlwt  # type: ignore[import-untyped]

Entries = dict[str, bytes]


def entries(package: Path) -> Entries:
    """Every entry of a zip, by name (folders end in / and hold b"")."""
    with zipfile.ZipFile(package) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write(path: Path, content: Entries) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    return path


def rewrite(src: Path, dst: Path, edit: Callable[[Entries], None]) -> Path:
    """A copy of a package with `edit` applied to its entries."""
    content = entries(src)
    edit(content)
    return write(dst, content)


def xls_rows(data: bytes) -> list[list[str]]:
    sheet = xlrd.open_workbook(file_contents=data).sheet_by_index(0)
    return [[str(v) for v in sheet.row_values(r)] for r in range(sheet.nrows)]


def xls_from_rows(rows: list[list[str]]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    text = xlwt.easyxf(num_format_str="@")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value, text)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_names(content: Entries) -> list[str]:
    return sorted(n for n in content if n.endswith((".XLS", ".XLSX")) and "/" not in n)


def set_cell(content: Entries, sheet: str, row: int, field: str, value: str) -> None:
    """Change one cell of a spreadsheet (row as Excel numbers it, 1 = the header)."""
    rows = xls_rows(content[sheet])
    rows[row - 1][rows[0].index(field)] = value
    content[sheet] = xls_from_rows(rows)


def rename_sheet(content: Entries, old: str, new: str, *, folder_too: bool) -> None:
    content[new] = content.pop(old)
    if folder_too:
        old_stem, new_stem = old.rsplit(".", 1)[0], new.rsplit(".", 1)[0]
        for name in [n for n in content if n.startswith(old_stem + "/")]:
            content[new_stem + name[len(old_stem):]] = content.pop(name)


def write_gbk(path: Path, content: Entries) -> Path:
    """A zip as Chinese Windows tools write one: GBK names without the UTF-8 flag.

    zipfile writes non-ASCII names as UTF-8 only, so ASCII stand-ins of the same length are swapped
    for the GBK bytes afterwards (in the local and the central headers).
    """
    buf = BytesIO()
    swaps: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(content.items()):
            raw = name.encode("gbk")
            stand_in = f"Q{i:03d}" + "Z" * (len(raw) - 4)  # unique, and no stand-in starts another
            swaps[stand_in.encode()] = raw
            zf.writestr(stand_in, data)
    blob = buf.getvalue()
    for stand_in, raw in swaps.items():
        assert blob.count(stand_in) == 2, stand_in
        blob = blob.replace(stand_in, raw)
    path.write_bytes(blob)
    return path
