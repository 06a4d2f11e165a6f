"""The monthly batch's rules (seed 004 附件): names, rows, photos, the database comparison, the events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger import batch, batch_rules
from ledger.batch import ReissueBatch
from ledger.batch_rules import SheetName, check_row, compare_with_certificate, name_problem, parse_month, photo_problems
from ledger.domain import RequestKind, ServiceRequest
from ledger.errors import InvalidInput, RuleViolation
from ledger.values import parse_certificate
from tests.batch.photos import id_photo
from tests.conftest import resident_id, with_wrong_check_char

AT = datetime(2020, 5, 20, 2, 0, tzinfo=UTC)
EXAMPLE = "202005-034-一级建造师(证书补换印制信息)数据(济南市)(100人).XLS"


def jinan_sheet(count: int = 1) -> SheetName:
    return SheetName.build("202005", "034", "一级建造师", "济南市", count)


def good_row(**changes: str) -> dict[str, str]:
    row = {"ZSGLH": "ZS2015000001", "KSXM": "王五", "ZJHM": resident_id(), "ZJLB": "居民身份证", "XB": "男",
           "BKJB": "一级", "BKZY": "建筑工程", "CSNY": "1985-03", "PZRQ": "2015-06-01",
           "ZP": resident_id() + ".jpg", "BMS": "济南市"}
    row.update(changes)
    return row


def certificate(**changes: str):  # type: ignore[no-untyped-def]
    fields = {"family": "professional", "number": "ZS2015000001", "authority": "1501", "holder_name": "王五",
              "gender": "男", "id_number": resident_id(), "occupation": "一级建造师", "level": "一级",
              "specialty": "建筑工程", "issue_date": "2015-06-01", "exam_code": "034"}
    fields.update(changes)
    return parse_certificate(fields)


def approved_request(kind: RequestKind = RequestKind.REISSUE, office: str = "1501") -> ServiceRequest:
    req = ServiceRequest.apply("SQ-1501-20200501-000001", kind, "ZS2015000001", office, "王五", "window",
                               date(2020, 5, 1), date(2020, 5, 6), False, "张三", AT)
    req.accept(date(2020, 5, 6), date(2020, 8, 1), False, "张三", office, AT)
    req.decide(True, "", dict.fromkeys(ServiceRequest.REVIEW_CHECKS, True), "张三", office, AT)
    return req


def a_batch(office: str = "1500") -> ReissueBatch:
    return ReissueBatch.import_sheet("1501", "202005", "034", "一级建造师", EXAMPLE, "p.zip", "ab" * 32,
                                     [{"row": 2, "zsglh": "ZS2015000001", "request": "SQ-1"}], "李四", office, AT)


# --------------------------------------------------------------------------------- naming
def test_the_seeds_example_name_is_built_and_parsed_back_exactly() -> None:
    name = SheetName.build("202005", "034", "一级建造师", "济南市", 100)
    assert name.file_name == EXAMPLE
    assert name.stem == EXAMPLE.removesuffix(".XLS")
    assert SheetName.parse(EXAMPLE) == name


def test_a_name_without_the_rules_parts_is_not_parsed() -> None:
    for wrong in ("202005-034-一级建造师数据(济南市)(100人).XLS",  # no (证书补换印制信息)
                  "202005-034-一级建造师(证书补换印制信息)数据(济南市)(100).XLS",  # no 人
                  "2020-05-034-一级建造师(证书补换印制信息)数据(济南市)(100人).XLS",
                  "202005-034-一级建造师(证书补换印制信息)数据(济南市)(100人).xls.bak"):
        assert SheetName.parse(wrong) is None, wrong


def test_full_width_brackets_and_a_lower_case_extension_are_named_as_the_reason() -> None:
    assert "full-width" in name_problem(EXAMPLE.replace("(", "（").replace(")", "）"))
    assert "capitals" in name_problem(EXAMPLE.replace(".XLS", ".xls"))


def test_an_exam_name_with_ascii_brackets_is_written_with_full_width_ones_to_keep_the_name_parseable() -> None:
    name = SheetName.build("202005", "112", "注册咨询工程师(投资)", "济南市", 2)
    assert SheetName.parse(name.file_name) == name
    assert name.exam_name == "注册咨询工程师（投资）"


def test_a_month_is_six_digits_of_a_real_month_not_in_the_future() -> None:
    assert parse_month("202005", today=date(2020, 6, 1)) == "202005"
    for bad in ("2020-05", "202013", "20205", "199912", "202007"):
        with pytest.raises(InvalidInput):
            parse_month(bad, today=date(2020, 6, 1))


# ------------------------------------------------------------------------------------ rows
def test_a_complete_row_has_no_problem() -> None:
    assert check_row(good_row(), jinan_sheet()) == []


def test_each_required_field_left_empty_is_named_as_missing() -> None:
    for field in batch_rules.ALWAYS_REQUIRED:
        problems = check_row(good_row(**{field: ""}), jinan_sheet())
        assert (field, f"missing: {batch_rules.LABELS[field]} is required") in problems, field


def test_an_id_number_with_a_wrong_check_character_is_refused_with_the_expected_one() -> None:
    wrong = with_wrong_check_char(resident_id())
    problems = dict(check_row(good_row(ZJHM=wrong, ZP=f"{wrong}.jpg"), jinan_sheet()))
    assert "check character" in problems["ZJHM"] and resident_id()[-1] in problems["ZJHM"]


def test_a_birth_month_that_disagrees_with_the_id_number_is_refused() -> None:
    assert dict(check_row(good_row(CSNY="1986-03"), jinan_sheet()))["CSNY"].startswith("1986-03 disagrees")
    assert check_row(good_row(CSNY="198503"), jinan_sheet()) == []


def test_a_passport_holder_needs_no_birth_month_as_the_number_gives_none() -> None:
    assert check_row(good_row(ZJLB="护照", ZJHM="E12345678", CSNY="", ZP="E12345678.jpg"), jinan_sheet()) == []


def test_a_photo_is_required_before_2017_and_not_from_2017() -> None:
    assert ("ZP", "missing: a photo is required for a certificate obtained before 2017") in check_row(
        good_row(ZP="", PZRQ="2016-12-31"), jinan_sheet())
    assert check_row(good_row(ZP="", PZRQ="2017-01-01"), jinan_sheet()) == []


def test_the_photo_cell_names_the_id_number_and_jpg() -> None:
    assert dict(check_row(good_row(ZP="photo.jpg"), jinan_sheet()))["ZP"].startswith("the photo is named ZJHM.jpg")


def test_a_row_of_another_city_than_the_files_is_refused() -> None:
    problems = dict(check_row(good_row(BMS="青岛市"), jinan_sheet()))
    assert problems["BMS"] == "报名市 青岛市 is not the file's city 济南市"


def test_a_row_matching_the_certificate_database_has_no_problem() -> None:
    assert compare_with_certificate(good_row(), certificate(), jinan_sheet(), "1501") == []


@pytest.mark.parametrize(("field", "value"), [("KSXM", "王武"), ("BKJB", "二级"), ("BKZY", "市政公用工程"),
                                              ("PZRQ", "2015-06-02"), ("XB", "女"), ("ZJLB", "护照")])
def test_each_value_disagreeing_with_the_certificate_database_is_named(field: str, value: str) -> None:
    problems = dict(compare_with_certificate(good_row(**{field: value}), certificate(), jinan_sheet(), "1501"))
    assert "disagrees with the certificate database for ZS2015000001" in problems[field]


def test_an_id_number_disagreeing_with_the_database_is_named_without_printing_either_number() -> None:
    other = resident_id(serial=44)
    problems = dict(compare_with_certificate(good_row(ZJHM=other), certificate(), jinan_sheet(), "1501"))
    assert "disagrees" in problems["ZJHM"] and other not in problems["ZJHM"] and resident_id() not in problems["ZJHM"]


def test_a_certificate_of_another_exam_code_or_city_is_refused() -> None:
    problems = dict(compare_with_certificate(good_row(), certificate(exam_code="035", authority="1502"),
                                             jinan_sheet(), "1501"))
    assert "exam code 035" in problems["考试代码"] and "issued by 1502" in problems["BMS"]


def test_a_skill_certificate_is_not_part_of_the_batch() -> None:
    skill = parse_certificate({"number": "1915010000123456", "holder_name": "王五", "gender": "男",
                               "id_number": resident_id(), "occupation": "焊工", "level": "三级",
                               "issue_date": "2019-06-01"})
    assert compare_with_certificate(good_row(ZSGLH=skill.number), skill, jinan_sheet(), "1501") == [
        ("ZSGLH", "1915010000123456 is a skill certificate, not a professional one")]


# ---------------------------------------------------------------------------------- photos
def test_a_white_ground_jpeg_of_295_by_413_and_10_to_30_kb_passes() -> None:
    assert photo_problems(id_photo(1), "一级建造师") == []


def test_a_photo_of_the_wrong_pixel_size_is_refused() -> None:
    assert photo_problems(id_photo(2, size=(300, 400)), "一级建造师") == ["300×400 px: a photo is 295×413 px"]


def test_a_png_photo_is_refused_as_the_wrong_format() -> None:
    assert "a PNG image: a JPG/JPEG photo is required" in photo_problems(id_photo(2, fmt="PNG"), "一级建造师")


def test_a_photo_under_10_or_over_30_kb_is_refused() -> None:
    assert photo_problems(id_photo(3, kb=(3, 9.9)), "一级建造师")[0].endswith("a photo is 10–30 KB")
    assert photo_problems(id_photo(3, kb=(31, 60)), "一级建造师")[0].endswith("a photo is 10–30 KB")


def test_computer_and_communications_exams_need_photos_over_30_kb() -> None:
    big, small = id_photo(4, kb=(31, 60)), id_photo(4)
    for exam in ("计算机技术与软件专业技术资格", "通信专业技术人员职业资格"):
        assert photo_problems(big, exam) == []
        assert "must be over 30 KB" in photo_problems(small, exam)[0]


def test_a_truncated_or_coloured_ground_photo_is_refused() -> None:
    whole = id_photo(5, kb=(20, 30))
    assert photo_problems(whole[: len(whole) - 3000], "x") == ["the JPEG data is damaged or truncated"]
    assert photo_problems(id_photo(5, ground="#7f90c8"), "x") == [
        "the background is not white (an ID photo on white is required)"]


def test_bytes_that_are_no_image_are_refused() -> None:
    assert photo_problems(b"not a picture" * 1000, "x")[-1] == "not an image: a JPG/JPEG photo is required"


# --------------------------------------------------------------------------------- events
def test_a_batch_is_imported_only_by_its_provinces_center_and_leaves_no_event_when_refused() -> None:
    for office in ("1501", "0700"):
        with pytest.raises(RuleViolation) as refused:
            a_batch(office)
        assert refused.value.rule == "batch-provincial-center-only"
    imported = a_batch()
    assert imported.id == batch.batch_id("1501", "202005", "034") and imported.label == "202005-034-1501"


def test_a_batch_replayed_from_its_event_has_the_same_state() -> None:
    imported = a_batch()
    events = imported.collect_events()
    replayed = events[0].mutate(None)
    assert replayed.__dict__ == imported.__dict__


def test_forwarding_links_an_approved_request_once_and_replays_the_same() -> None:
    req = approved_request()
    req.collect_events()
    imported = a_batch()
    req.forward(imported.id, imported.label, imported.file_name, 2, "李四", "1500", AT)
    assert req.forwarded is not None and req.forwarded.batch == "202005-034-1501"
    assert [s.stage for s in req.steps][-1] == "forwarded"
    with pytest.raises(RuleViolation) as twice:
        req.forward(imported.id, imported.label, imported.file_name, 2, "李四", "1500", AT)
    assert twice.value.rule == "request-already-forwarded"
    (event,) = req.collect_events()
    assert isinstance(event, ServiceRequest.Forwarded) and event.batch_id == imported.id


def test_only_an_approved_reissue_or_exchange_request_is_forwarded() -> None:
    pending = ServiceRequest.apply("SQ-2", RequestKind.REISSUE, "ZS2015000001", "1501", "王五", "window",
                                   date(2020, 5, 1), date(2020, 5, 6), False, "张三", AT)
    with pytest.raises(RuleViolation, match="forwarding needs it approved"):
        pending.forward(a_batch().id, "202005-034-1501", "a.XLS", 2, "李四", "1500", AT)
    with pytest.raises(RuleViolation, match="a batch carries reissues and exchanges"):
        approved_request(RequestKind.PROOF).forward(a_batch().id, "202005-034-1501", "a.XLS", 2, "李四", "1500", AT)
    assert len(pending.collect_events()) == 1  # only its Applied event: a refusal leaves nothing pending


def test_a_photo_is_attached_by_the_requests_office_and_read_back() -> None:
    req = approved_request()
    with pytest.raises(RuleViolation):
        req.attach_photo("ab" * 32, "王六", "1502", AT)
    req.attach_photo("ab" * 32, "张三", "1501", AT)
    assert req.photo_sha256 == "ab" * 32


def test_the_batch_id_depends_on_city_month_and_exam_only() -> None:
    assert batch.batch_id("1501", "202005", "034") == batch.batch_id("1501", "202005", "034")
    assert len({batch.batch_id("1501", "202005", "034"), batch.batch_id("1502", "202005", "034"),
                batch.batch_id("1501", "202006", "034"), batch.batch_id("1501", "202005", "035")}) == 4


def test_the_stored_topics_of_a_reissue_batch_still_resolve_to_its_classes() -> None:
    # Topics are stored with every event: splitting the batch module must leave these where they were.
    from eventsourcing.utils import get_topic, resolve_topic

    for cls, topic in ((ReissueBatch, "ledger.batch:ReissueBatch"),
                       (ReissueBatch.Imported, "ledger.batch:ReissueBatch.Imported")):
        assert resolve_topic(topic) is cls and get_topic(cls) == topic
