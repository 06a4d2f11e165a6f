"""Office hours and the issuing departments, where the seeds give them."""

from __future__ import annotations

from ledger.reference import authorities, professional_service
from ledger.views import AuthorityView


def test_the_shandong_provincial_window_shows_its_hours() -> None:
    # seed 000 四(一)：受理时间：工作日星期一至星期五，上午08：30-12：00，下午13：30-17：00（法定节假日除外）。
    office = AuthorityView.of("1500")
    assert office.hours == "工作日星期一至星期五，上午08：30-12：00，下午13：30-17：00（法定节假日除外）"
    assert office.to_dict()["hours"] == office.hours


def test_an_office_whose_hours_no_seed_gives_shows_none() -> None:
    assert "hours" not in AuthorityView.of("1501").to_dict() and AuthorityView.of("0700").hours == ""


def test_shandong_professional_reissues_are_taken_at_the_a1_window_in_its_hours() -> None:
    # seed 002 办理信息：办理时间 工作日周一至周五,上午8:30-11:30,下午1:00-5:00；办理地点 …一楼A1窗口
    hall = professional_service("15")
    assert hall is not None and hall.hours == "工作日周一至周五，上午8:30-11:30，下午1:00-5:00"
    assert hall.address.endswith("一楼A1窗口") and professional_service("07") is None


def test_every_authority_names_the_department_that_issues_its_certificates() -> None:
    # seed 000 附件1：发证机构：省、市人力资源社会保障部门
    for code, a in authorities().items():
        assert a.department, code
    assert authorities()["1500"].department == "山东省人力资源和社会保障厅"
    assert authorities()["0701"].department == "沈阳市人力资源和社会保障局"
    assert authorities()["1512"].department == "济南市人力资源和社会保障局"  # Laiwu is part of Jinan
