"""The events of a monthly reissue batch import (seed 004 附件 证书补换操作说明): a ReissueBatch per
(city, month, exam) and a Forwarded event on each linked ServiceRequest.

The rules are in ledger.batch_rules, the export's plan in ledger.batch_plan, the check of a read
package in ledger.batch_check, the commands in ledger.batch_service; formats/ reads and writes the
files. This module keeps its name: the events' topics (`ledger.batch:ReissueBatch.Imported`,
`ledger.batch:Forwarded`, `ledger.batch:PhotoAttached`) are stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.batch_rules import parse_month
from ledger.domain import NAMESPACE, china_date
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
