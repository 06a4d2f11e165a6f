"""The monthly reissue batch's commands and queries (seed 004 附件 证书补换操作说明), which CertLedger
inherits: a city exports its approved reissue and exchange requests for professional certificates;
the provincial center checks and imports the package.

The commands see values: a read Package (ledger.batch_check) and photos as bytes; formats/ reads
and writes the files. The rules are in ledger.batch_rules, the events in ledger.batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification

from ledger.batch import ReissueBatch, batch_id, batch_label, require_provincial_center
from ledger.batch_check import BatchReport, Package, PackageRow, PackageSheet
from ledger.batch_plan import BatchEntry
from ledger.batch_rules import (
    BATCH_KINDS,
    BatchRejected,
    Problem,
    city_code,
    compare_with_certificate,
    is_management_number,
    month_of,
    parse_month,
    photo_problems,
    sort_problems,
)
from ledger.domain import Certificate, RequestStage, ServiceRequest
from ledger.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation
from ledger.reference import authority
from ledger.values import Family

if TYPE_CHECKING:
    from ledger.application import Actor
    from ledger.blobs import BlobStore
    from ledger.views import RequestView

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class RowLink:
    """A package row matched to its certificate edition and the approved request it carries."""

    row: int
    number: str
    request: ServiceRequest
    edition: int
    photo_sha256: str


SheetLinks = tuple[PackageSheet, list[RowLink]]


class BatchCommands(Application[UUID]):
    """The monthly batch's part of CertLedger; CertLedger provides the helpers declared below."""

    if TYPE_CHECKING:
        blobs: BlobStore | None

        def now(self) -> datetime: ...

        def today(self) -> date: ...

        def _save(self, *aggregates: Aggregate | None, duplicate: str | None = None) -> None: ...

        def _current(self, number: str) -> Certificate: ...

        def _request(self, number: str) -> ServiceRequest: ...

        def _exists(self, aggregate_id: UUID) -> bool: ...

        def _notifications(self, event_class: type) -> Iterator[Notification]: ...

    def attach_request_photo(self, actor: Actor, number: str, photo: bytes) -> RequestView:
        """Keep the applicant's photo with a reissue or exchange request; a photo breaking the rule is refused."""
        from ledger.projections import request_view

        req = self._request(number)
        req.check_may_attach_photo(actor.office)
        cert = self._current(req.certificate_number)
        problems = photo_problems(photo, cert.data.occupation)
        if problems:
            raise InvalidInput("photo", "; ".join(problems))
        if self.blobs is None:
            raise InvalidInput("photo", "no attachment store is configured")
        sha256 = self.blobs.put_bytes(photo)  # every rule checked first: no file for a refused request
        req.attach_photo(sha256, actor.operator, actor.office, self.now())
        self._save(req)
        return request_view(req, self.today())

    def batch_entries(self, actor: Actor, city: str, month: str) -> list[BatchEntry]:
        """The city's reissue and exchange requests for professional certificates approved in `month` (YYYYMM)."""
        if authority(city, field="city").code[2:] == "00":
            raise InvalidInput("city", f"{city} is a provincial office: give a city's code")
        if actor.office != city:
            raise RuleViolation("batch-own-city-only",
                                f"office {actor.office} may not export the batch of {city}: each city sends its own")
        month = parse_month(month, "month", self.today())
        entries = []
        for req in self._batch_requests(city, month):
            cert = self._current(req.certificate_number)
            if cert.data.family != Family.PROFESSIONAL:
                continue  # skill certificates are reissued by the city itself, not in this batch
            photo = req.photo_sha256 or cert.data.photo_sha256
            assert req.review is not None  # it was approved
            entries.append(BatchEntry(req.number, req.kind, cert.data, photo, req.review.at, cert.status))
        return entries

    def batch_photo(self, sha256: str) -> bytes:
        """A photo from the attachment store, its hash checked."""
        if self.blobs is None:
            raise InvalidInput("attachments", "no attachment store is configured")
        return self.blobs.read(sha256)

    def check_batch(self, actor: Actor, package: Package, progress: Progress | None = None) -> BatchReport:
        """Every problem of a read package, the certificate database and the requests included; writes nothing."""
        report, _ = self._examine_batch(actor, package, importing=False, progress=progress)
        return report

    def import_batch(self, actor: Actor, package: Package, progress: Progress | None = None) -> BatchReport:
        """Record a clean package: a ReissueBatch per exam and a Forwarded event on each request, in one save."""
        report, links = self._examine_batch(actor, package, importing=True, progress=progress)
        if report.problems:
            raise BatchRejected(package.path.name, report.problems)
        at = self.now()
        if self.blobs is not None:
            self.blobs.put_file(package.path)  # the package itself is the evidence of what was received
        city = str(report.city)
        batches: list[ReissueBatch] = []
        requests: list[ServiceRequest] = []
        for sheet, sheet_links in links:
            assert sheet.name is not None  # a sheet with a broken name is a problem, refused above
            rows = [{"row": link.row, "zsglh": link.number, "request": link.request.number, "kind": link.request.kind,
                     "edition": link.edition, "photo_sha256": link.photo_sha256} for link in sheet_links]
            batch = ReissueBatch.import_sheet(
                city, sheet.name.month, sheet.name.exam_code, sheet.name.exam_name, sheet.file, package.path.name,
                package.sha256, rows, actor.operator, actor.office, at)
            for link in sheet_links:
                link.request.forward(batch.id, batch.label, batch.file_name, link.row, actor.operator,
                                     actor.office, at)
                requests.append(link.request)
            batches.append(batch)
        self._save(*batches, *requests)
        return BatchReport(
            report.package, report.sha256, report.city, report.month, report.sheets, (), report.rows, imported=True,
            batches=tuple(b.label for b in batches), linked=tuple(r.number for r in requests))

    def _examine_batch(self, actor: Actor, package: Package, importing: bool,
                       progress: Progress | None) -> tuple[BatchReport, list[SheetLinks]]:
        problems = list(package.problems)
        city = self._batch_city(actor, package, importing, problems)
        pending: dict[str, list[ServiceRequest]] = {}
        for req in (self._batch_requests(city) if city is not None else []):
            pending.setdefault(req.certificate_number, []).append(req)
        links: list[SheetLinks] = []
        for sheet in package.sheets:
            sheet_links: list[RowLink] = []
            for row in sheet.rows:
                link = self._batch_link(sheet, row, city, pending, problems)
                if link is not None:
                    sheet_links.append(link)
                if progress is not None:
                    progress(1)
            links.append((sheet, sheet_links))
        sheets = tuple({"file": s.file, "exam_code": s.name.exam_code if s.name else None,
                        "exam_name": s.name.exam_name if s.name else None, "rows": len(s.rows), "photos": s.photos}
                       for s in package.sheets)
        report = BatchReport(package.path.name, package.sha256, city, package.month, sheets,
                             tuple(sort_problems(problems)), package.rows)
        return report, links

    def _batch_city(self, actor: Actor, package: Package, importing: bool, problems: list[Problem]) -> str | None:
        """The package's city (None: its name gives none of the province); refuses an office that may not act
        on it, and a sheet imported before."""
        province = actor.office[:2]
        city = city_code(package.city_area, province) if package.city_area else None
        if package.city_area and city is None:
            problems.append(Problem(
                package.path.name, None, "地市",
                f"{package.city_area} is not a city of {authority(province + '00').province} (office {actor.office})"))
        if importing and city is not None:
            require_provincial_center(actor.office, city)
        elif importing and actor.office[2:] != "00":
            raise RuleViolation("batch-provincial-center-only",
                                f"office {actor.office} may not import batches: the provincial center does")
        elif city is not None and actor.office not in (city, province + "00"):
            raise RuleViolation("batch-city-or-center-only",
                                f"office {actor.office} may not check the batch of {city}: the city or its "
                                "provincial center does")
        if city is not None:
            for sheet in package.sheets:
                if sheet.name is not None and self._exists(batch_id(city, sheet.name.month, sheet.name.exam_code)):
                    label = batch_label(city, sheet.name.month, sheet.name.exam_code)
                    raise AlreadyExists(f"{sheet.file} was already imported as batch {label}"
                                        + ("; nothing was imported" if importing else ""))
        return city

    def _batch_link(self, sheet: PackageSheet, row: PackageRow, city: str | None,
                    pending: Mapping[str, list[ServiceRequest]], problems: list[Problem]) -> RowLink | None:
        """The row against the certificate database, and the approved request it carries."""
        def problem(field: str, message: str) -> None:
            problems.append(Problem(sheet.file, row.row, field, message))

        number = row.cells.get("ZSGLH", "")
        if not is_management_number(number):
            return None  # already reported by the format check
        try:
            cert = self._current(number)
        except NotFound:
            problem("ZSGLH", f"{number} is not in the certificate database")
            return None
        if cert.status == "revoked":
            problem("ZSGLH", f"{number} is revoked: it cannot be reissued")
        for field, message in compare_with_certificate(row.cells, cert.data, sheet.name, city):
            problem(field, message)
        if city is None:
            return None
        candidates = pending.get(number, [])
        open_ones = [r for r in candidates if r.forwarded is None]
        if not open_ones:
            if candidates:
                done = candidates[0].forwarded
                problem("ZSGLH", f"request {candidates[0].number} for {number} was already forwarded in batch "
                                 f"{done.batch if done else None}")
            else:
                problem("ZSGLH", f"no approved reissue or exchange request of office {city} for {number}")
            return None
        return RowLink(row.row, number, open_ones[0], cert.edition, row.photo_sha256)

    def _batch_requests(self, city: str, month: str | None = None) -> list[ServiceRequest]:
        """The city's approved reissue and exchange requests (approved in `month`, if given), oldest first.

        Reads the Reviewed events' notifications, not every request: a store holds years of them.
        """
        ids: list[UUID] = []
        for notification in self._notifications(ServiceRequest.Reviewed):
            reviewed = self.mapper.to_domain_event(notification)
            got = reviewed.__dict__
            if got["approved"] and got["office"] == city and (month is None or month_of(got["at"]) == month):
                ids.append(UUID(str(reviewed.originator_id)))
        requests: list[ServiceRequest] = [self.repository.get(i) for i in dict.fromkeys(ids)]
        return [r for r in requests if r.kind in BATCH_KINDS and r.stage == RequestStage.APPROVED]
