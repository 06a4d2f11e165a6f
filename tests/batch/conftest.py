"""A Jinan office (1501) with professional certificates and approved reissue and exchange requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ledger.application import Actor, CertLedger
from ledger.domain import RequestKind
from tests.batch.photos import id_photo
from tests.conftest import resident_id

JINAN = Actor("张三", "1501")
CENTER = Actor("李四", "1500")
QINGDAO = Actor("王六", "1502")
BUILDER, SOFTWARE = ("034", "一级建造师"), ("024", "计算机技术与软件专业技术资格")


@dataclass(frozen=True)
class Person:
    number: str
    name: str
    id_number: str
    exam: tuple[str, str]
    level: str
    specialty: str
    approved: str  # 批准日期 (PZRQ)
    photo: bytes | None = None
    kind: RequestKind = RequestKind.REISSUE
    gender: str = "男"
    requests: list[str] = field(default_factory=list, compare=False)

    @property
    def photo_name(self) -> str:
        return f"{self.id_number}.jpg"


def people() -> list[Person]:
    """Three persons of two exams: before 2017 with a photo, from 2017 without; the software exam's photo > 30 KB."""
    return [
        Person("ZS2018000002", "李红", resident_id(date(1990, 7, 9), male=False, serial=21), BUILDER, "一级",
               "市政公用工程", "2018-09-15", kind=RequestKind.EXCHANGE, gender="女"),
        Person("ZS2015000001", "王五", resident_id(date(1985, 3, 2), serial=12), BUILDER, "一级", "建筑工程",
               "2015-06-01", photo=id_photo(1)),
        Person("RK2014000003", "赵六", resident_id(date(1979, 11, 30), serial=33), SOFTWARE, "高级",
               "系统分析师", "2014-12-20", photo=id_photo(3, kb=(31, 60))),
    ]


def issue(app: CertLedger, person: Person, actor: Actor = JINAN, with_photo: bool = True) -> None:
    photo = app.blobs.put_bytes(person.photo) if person.photo is not None and with_photo else ""  # type: ignore[union-attr]
    app.issue(actor, {"family": "professional", "number": person.number, "holder_name": person.name,
                      "gender": person.gender, "id_number": person.id_number, "occupation": person.exam[1],
                      "exam_code": person.exam[0], "level": person.level, "specialty": person.specialty,
                      "issue_date": person.approved, "photo_sha256": photo})


def approve(app: CertLedger, person: Person, actor: Actor = JINAN) -> str:
    number = app.apply(actor, person.kind, person.number, person.name).number
    app.accept(actor, number)
    app.review(actor, number, approve=True, photo_attested=True)  # the clerk attests the photo (seed 002)
    person.requests.append(number)
    return number


def jinan(app: CertLedger, persons: list[Person]) -> list[Person]:
    app.ensure_default_catalog(JINAN)
    for person in persons:
        issue(app, person)
        approve(app, person)
    return persons
