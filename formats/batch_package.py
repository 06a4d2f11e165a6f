"""The monthly batch's zip package: an export plan written as the package (spreadsheets, photo
folders, the paper side), whole or not at all; a received package opened for ledger.batch_check.

Packages zipped on Chinese Windows carry GBK names without the UTF-8 flag and backslashes for
folders; macOS and Windows add their own files; some zip the enclosing folder. All of that is the
zip's business, so it is undone here and the check sees the rule's layout only.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from formats.spreadsheets import read_sheet, sheet_bytes
from ledger.batch_check import Package, PackageEntry, ReadCell, UnreadableEntry, examine_package
from ledger.batch_plan import ExportPlan
from ledger.batch_rules import PAPER_FOLDER
from ledger.domain import CHINA
from ledger.errors import InvalidInput

_IGNORED = ("__MACOSX/",)
_IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")


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
        return examine_package(ZipPackage(path, digest, zf), progress, today)


class ZipPackage:
    """An open zip as ledger.batch_check.PackageFiles: the rule's entries, their bytes, a sheet's cells."""

    def __init__(self, path: Path, sha256: str, zf: zipfile.ZipFile) -> None:
        self.path = path
        self.sha256 = sha256
        self._zf = zf
        infos = [i for i in zf.infolist() if not i.filename.startswith(_IGNORED)
                 and i.filename.rstrip("/").rsplit("/", 1)[-1] not in _IGNORED_NAMES]
        prefix = _wrapper_folder([i.filename.replace("\\", "/") for i in infos])
        self._infos: dict[PackageEntry, zipfile.ZipInfo] = {}
        entries = []
        for info in infos:
            name = info.filename.replace("\\", "/")[len(prefix):]  # old Windows zippers separate with backslashes
            if name:  # not the enclosing folder itself
                entry = PackageEntry(name, info.file_size, info.is_dir())
                entries.append(entry)
                self._infos[entry] = info
        self.entries = tuple(entries)

    def read(self, entry: PackageEntry) -> bytes:
        try:
            return self._zf.read(self._infos[entry])
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise UnreadableEntry(entry.name, type(e).__name__) from None

    def cells(self, entry: PackageEntry) -> list[list[ReadCell]]:
        return read_sheet(self.read(entry), entry.name.rsplit(".", 1)[1].upper())


def _wrapper_folder(names: Sequence[str]) -> str:
    """A package zipped from its enclosing folder: that folder is not part of the layout."""
    if any("/" not in n.rstrip("/") and re.search(r"\.xlsx?$", n, re.IGNORECASE) for n in names):
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return next(iter(tops)) + "/"
    return ""
