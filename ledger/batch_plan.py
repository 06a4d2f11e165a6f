"""The export of a monthly reissue batch: a city's approved requests grouped by exam, each row and
photo checked, ordered as the rule asks; formats.batch_package writes the plan as the zip package
and signing.batch_forms draws its paper side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ledger.batch_rules import (
    PHOTO_FREE_FROM_YEAR,
    BatchRejected,
    Problem,
    SheetName,
    check_row,
    photo_problems,
    photo_required,
    row_cells,
    sort_problems,
)
from ledger.errors import AttachmentError
from ledger.reference import authority
from ledger.values import CertificateData, normalise_occupation

Photos = Callable[[str], bytes]  # a photo's bytes by its SHA-256 (the attachment store)
Collect = Callable[[str, str], None]  # problem(field, message) of one row


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



def plan_export(city: str, month: str, entries: Sequence[BatchEntry], photo: Photos,
                extension: str = "XLS", exam_codes: Mapping[str, str] | None = None,
                progress: Callable[[int], None] | None = None) -> ExportPlan:
    """Group a month's entries by exam, order each by approval date, check every row and photo.

    Raises BatchRejected listing every problem: a city sends nothing it would be refused.
    """
    area = authority(city, field="city").area
    problems: list[Problem] = []
    sheets = [_plan_sheet(month, code, exam, group, area, extension, photo, problems, progress)
              for (code, exam), group in sorted(_by_exam(entries, exam_codes or {}).items())]
    if problems:
        raise BatchRejected(f"the {month} batch of {city}", sort_problems(problems), action="exported")
    return ExportPlan(city, area, month, tuple(sheets))


def _by_exam(entries: Sequence[BatchEntry], exam_codes: Mapping[str, str]) -> dict[tuple[str, str], list[BatchEntry]]:
    """The entries by (exam code, exam name); a code missing on record taken from `exam_codes`."""
    codes = {normalise_occupation(k): v for k, v in exam_codes.items()}
    groups: dict[tuple[str, str], list[BatchEntry]] = {}
    for entry in entries:
        code = entry.data.exam_code or codes.get(normalise_occupation(entry.data.occupation), "")
        groups.setdefault((code, entry.data.occupation), []).append(entry)
    return groups


def _plan_sheet(month: str, code: str, exam: str, group: list[BatchEntry], area: str, extension: str,
                photo: Photos, problems: list[Problem], progress: Callable[[int], None] | None) -> PlannedSheet:
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
        problem = _collector(problems, name.file_name, line, entry.request_number)
        number = entry.data.number
        if number in seen:
            problem("ZSGLH", f"{number} is also on row {seen[number]}: two approved requests for one certificate")
        seen.setdefault(number, line)
        rows.append(_plan_row(entry, name, exam, area, photo, problem, photos))
        if progress is not None:
            progress(1)
    return PlannedSheet(name, tuple(rows), tuple(photos))


def _plan_row(entry: BatchEntry, name: SheetName, exam: str, area: str, photo: Photos, problem: Collect,
              photos: list[tuple[str, bytes]]) -> PlannedRow:
    """One entry as its row's cells, checked; its photo (when the rule needs one) added to `photos`."""
    data = entry.data
    needed = photo_required(data.issued_on)
    cells = row_cells(data, area, photo=needed)
    if entry.status == "revoked":
        problem("ZSGLH", f"{data.number} is revoked: it cannot be reissued or exchanged")
    for f, message in check_row(cells, name):
        problem(f, message)
    if needed:
        blob = _photo_for(entry, photo, problem)
        if blob is not None:
            for message in photo_problems(blob, exam):
                problem("ZP", f"{message}; attach another: certledger batch photo {entry.request_number} FILE")
            photos.append((cells["ZP"], blob))
    return PlannedRow(cells, entry.kind, entry.request_number)


def _collector(problems: list[Problem], file_name: str, row: int, request: str) -> Collect:
    """problem(field, message) for one row of the export: the message names the request to fix."""
    def problem(field_name: str, message: str) -> None:
        problems.append(Problem(file_name, row, field_name, f"{request}: {message}"))

    return problem


def _photo_for(entry: BatchEntry, photo: Photos, problem: Collect) -> bytes | None:
    if not entry.photo_sha256:
        problem("ZP", f"no photo, and the certificate (approved {entry.data.issue_date}, before "
                      f"{PHOTO_FREE_FROM_YEAR}) needs one: certledger batch photo {entry.request_number} FILE")
        return None
    try:
        return photo(entry.photo_sha256)
    except AttachmentError as e:
        problem("ZP", f"{e.message}: attach it again: certledger batch photo {entry.request_number} FILE")
        return None
