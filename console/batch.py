"""The monthly batch on screen: where packages live on the console's server and the report row by row.

Exported packages are kept in `<home>/console-batches/exports/` (the download reads only names listed there);
an uploaded package in `<home>/console-batches/uploads/<sha256 prefix>/<its own name>` (the ledger records the
package's name, so the upload keeps it), found again by that prefix for the import after the check."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from console.errors import Refused
from ledger.batch_check import BatchReport, Package
from ledger.batch_rules import LABELS, Problem

HANDLE = re.compile(r"[0-9a-f]{16}")


def exports_dir(home: Path) -> Path:
    return home / "console-batches" / "exports"


def uploads_dir(home: Path) -> Path:
    return home / "console-batches" / "uploads"


def exported(home: Path, name: str) -> Path:
    """A package this console exported, by its file name (nothing outside the exports directory)."""
    folder = exports_dir(home)
    known = {p.name: p for p in folder.glob("*.zip")} if folder.is_dir() else {}
    if name not in known:
        raise Refused(404, f"没有名为「{name}」的导出包", "file")
    return known[name]


def upload_name(filename: str | None) -> str:
    name = Path((filename or "").replace("\\", "/")).name
    if not name.lower().endswith(".zip") or name.startswith("."):
        raise Refused(400, "字段「批次包」须为地市导出的 ZIP 文件（…证书补换数据(地市).zip）", "file")
    return name


def keep_upload(home: Path, name: str, data: bytes) -> str:
    handle = hashlib.sha256(data).hexdigest()[:16]
    folder = uploads_dir(home) / handle
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.zip"):
        if old.name != name:
            old.unlink()
    (folder / name).write_bytes(data)
    return handle


def uploaded(home: Path, handle: str) -> Path:
    if not HANDLE.fullmatch(handle):
        raise Refused(400, "字段「批次包」的编号无效：请重新上传", "upload")
    found = sorted((uploads_dir(home) / handle).glob("*.zip"))
    if not found:
        raise Refused(404, "未找到已上传的批次包：请重新上传并检查", "upload")
    return found[0]


@dataclass
class RowReport:
    file: str
    row: int
    number: str  # 管理号 (ZSGLH)
    name: str  # 姓名 (KSXM); the ID number is not shown
    problems: list[Problem] = field(default_factory=list)
    request: str = ""  # the request the import forwarded


@dataclass
class ScreenReport:
    report: BatchReport | None
    problems: list[Problem]  # all of them, in the rule's order
    file_problems: list[Problem]  # those of a file as a whole (name, layout, header)
    rows: list[RowReport]
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))

    @property
    def ok(self) -> bool:
        return not self.problems


def screen_report(package: Package, report: BatchReport | None, problems: tuple[Problem, ...]) -> ScreenReport:
    """Every row of every sheet with its own problems (and, once imported, its request), and the rest."""
    rows = [RowReport(s.file, r.row, r.cells.get("ZSGLH", ""), r.cells.get("KSXM", ""))
            for s in package.sheets for r in s.rows]
    at = {(r.file, r.row): r for r in rows}
    loose = []
    for p in problems:
        target = at.get((p.file, p.row)) if p.row is not None else None
        if target is None:
            loose.append(p)
        else:
            target.problems.append(p)
    if report is not None and report.imported:
        for row, request in zip(rows, report.linked, strict=False):
            row.request = request
    return ScreenReport(report, list(problems), loose, rows)
