"""The events of a monthly reissue batch import (seed 004 附件 证书补换操作说明): a ReissueBatch per
(city, month, exam) and a Forwarded event on each linked ServiceRequest.

The rules are in ledger.batch_rules, the export's plan in ledger.batch_plan, the check of a read
package in ledger.batch_check, the commands in ledger.batch_service; formats/ reads and writes the
files. This module keeps its name: the events' topics (`ledger.batch:ReissueBatch.Imported`,
`ledger.batch:Forwarded`, `ledger.batch:PhotoAttached`) are stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.batch_rules import BATCH_KINDS, parse_month
from ledger.domain import NAMESPACE, RequestStage, ServiceRequest, china_date
from ledger.errors import InvalidInput, RuleViolation
from ledger.reference import authority


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


class Forwarded(ServiceRequest.Event):
    """A ServiceRequest event: the approved request went to the provincial center in a monthly batch.

    Defined here rather than nested in ServiceRequest (ledger.domain), so its topic is
    `ledger.batch:Forwarded`; moving it later takes a register_topic alias, not a migration.
    """

    batch_id: UUID
    batch: str
    file_name: str
    row: int
    operator: str
    office: str
    at: datetime

    def apply(self, aggregate: Any) -> None:  # assigns state only: replays run no rules
        aggregate.forwarded = {"batch_id": self.batch_id, "batch": self.batch, "file_name": self.file_name,
                               "row": self.row, "operator": self.operator, "office": self.office, "at": self.at}
        aggregate.steps.append({"stage": "forwarded", "on": china_date(self.at), "operator": self.operator})


class PhotoAttached(ServiceRequest.Event):
    """A ServiceRequest event: the applicant's photo (电子照片, seed 004 附件 一) for the reissued paper."""

    sha256: str
    operator: str
    office: str
    at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.photo = {"sha256": self.sha256, "operator": self.operator, "at": self.at}


def forwarded_in(request: ServiceRequest) -> dict[str, Any] | None:
    """The batch a request was forwarded in, if it was."""
    return getattr(request, "forwarded", None)


def request_photo(request: ServiceRequest) -> str:
    """The SHA-256 of the photo attached to a request, "" if none."""
    photo = getattr(request, "photo", None)
    return str(photo["sha256"]) if photo else ""


def check_may_forward(request: ServiceRequest, office: str) -> None:
    """Refuse unless the request is an approved reissue or exchange not yet forwarded, and the office its center."""
    require_provincial_center(office, request.office)
    if request.kind not in BATCH_KINDS:
        raise RuleViolation("batch-reissue-exchange-only",
                            f"request {request.number} asks for {request.kind}: a batch carries reissues and exchanges")
    if request.stage != RequestStage.APPROVED:
        raise RuleViolation("request-workflow", f"request {request.number} is {request.stage}; "
                                                "forwarding needs it approved")
    done = forwarded_in(request)
    if done is not None:
        raise RuleViolation("request-already-forwarded",
                            f"request {request.number} was already forwarded in batch {done['batch']}")


def forward(request: ServiceRequest, batch: ReissueBatch, row: int, operator: str, office: str,
            at: datetime) -> None:
    """Link an approved request to the batch row that carries it to the provincial center."""
    check_may_forward(request, office)
    request.trigger_event(Forwarded, batch_id=batch.id, batch=batch.label, file_name=batch.file_name, row=row,
                          operator=operator, office=office, at=at)


def check_may_attach_photo(request: ServiceRequest, office: str) -> None:
    """Refuse unless the request's own office acts on a reissue or exchange still before the batch."""
    if office != request.office:
        raise RuleViolation("request-office-only", f"request {request.number} belongs to office {request.office}")
    if request.kind not in BATCH_KINDS:
        raise RuleViolation("batch-reissue-exchange-only",
                            f"request {request.number} asks for {request.kind}: photos go with reissues and exchanges")
    if request.stage not in (RequestStage.APPLIED, RequestStage.ACCEPTED, RequestStage.APPROVED):
        raise RuleViolation("request-workflow", f"request {request.number} is {request.stage}: too late for a photo")
    done = forwarded_in(request)
    if done is not None:
        raise RuleViolation("request-already-forwarded",
                            f"request {request.number} was already forwarded in batch {done['batch']}")


def attach_photo(request: ServiceRequest, sha256: str, operator: str, office: str, at: datetime) -> None:
    """Keep the applicant's photo (its SHA-256; the file is in the attachment store) with the request."""
    check_may_attach_photo(request, office)
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise InvalidInput("photo", "a SHA-256 as 64 hex digits")
    request.trigger_event(PhotoAttached, sha256=sha256, operator=operator, office=office, at=at)
