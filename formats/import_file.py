"""The files of a bulk import (an existing certificate database): CSV (UTF-8 or GB18030) or XLSX,
read as rows of text cells for ledger.importer to validate.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from ledger.errors import InvalidInput


def read_rows(path: Path) -> Iterator[list[str]]:
    """The file's rows, header first, every cell as text; read as the rows are taken."""
    if not path.is_file():
        raise InvalidInput("file", f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _rows_csv(path)
    if suffix == ".xlsx":
        return _rows_xlsx(path)
    raise InvalidInput("file", f"a .csv or .xlsx file, got {path.suffix or 'no extension'!r}")


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
