"""Certificate numbers and the validation of one certificate's fields."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.reference import authorities
from ledger.values import CertificateData, Family, SkillNumber, Style, parse_certificate

# The number rule and city codes of seed 000 附件2 (Shandong) and seed 001 附件1 (Liaoning),
# transcribed here independently of ledger/data/authorities.json.
SHANDONG = {
    "00": "省人社厅", "01": "济南市", "12": "济南市（莱芜）", "02": "青岛市", "03": "淄博市", "04": "枣庄市",
    "05": "东营市", "06": "烟台市", "07": "潍坊市", "08": "济宁市", "09": "泰安市", "10": "威海市",
    "11": "日照市", "13": "滨州市", "14": "德州市", "15": "聊城市", "16": "临沂市", "17": "菏泽市",
}
LIAONING = {
    "00": "省本级", "01": "沈阳", "02": "大连", "03": "鞍山", "04": "抚顺", "05": "本溪", "06": "丹东",
    "07": "锦州", "08": "营口", "09": "阜新", "10": "辽阳", "11": "铁岭", "12": "朝阳", "13": "盘锦",
    "14": "葫芦岛", "18": "营口自贸区",
}

REF_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(region: str, born: str, sequence: str) -> str:
    first17 = region + born + sequence
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, REF_WEIGHTS, strict=True)) % 11]


MALE_ID = resident_id("370124", "19900101", "123")  # 17th digit 3: male
FEMALE_ID = resident_id("370124", "19920315", "124")  # 17th digit 4: female


def raw(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "number": "1815010000103353", "holder_name": "张三", "gender": "男", "id_type": "resident",
        "id_number": MALE_ID, "occupation": "焊工", "level": "四级", "issue_date": "2018-06-01",
        "theory_score": "80", "practical_score": "75",
    }
    base.update(changes)
    return base


def refusal(**changes: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_certificate(raw(**changes))
    return info.value


# -- SkillNumber ---------------------------------------------------------------------------


def test_the_seed_example_number_decodes_to_the_liaoning_provincial_level():
    number = SkillNumber.parse("1807000000103353")
    assert number.text == "1807000000103353"
    assert number.year == 2018
    assert number.authority.code == "0700"
    assert number.authority.province == "辽宁省"
    assert number.authority.area == "省本级"
    assert number.authority.province_code == "07"


def test_a_2019_shandong_provincial_number_decodes_to_the_provincial_department():
    number = SkillNumber.parse("1915000000123456")
    assert number.year == 2019
    assert number.authority.area == "省人社厅"


@pytest.mark.parametrize(("city", "area"), sorted(SHANDONG.items()))
def test_every_shandong_city_code_decodes_to_its_authority(city, area):
    number = SkillNumber.parse(f"1915{city}0000123456")
    assert number.authority.code == "15" + city
    assert number.authority.province == "山东省"
    assert number.authority.area == area


def test_shandong_city_codes_01_and_12_are_both_jinan_with_the_same_office():
    a, b = SkillNumber.parse("1915010000000001").authority, SkillNumber.parse("1915120000000001").authority
    assert "济南" in a.area and "济南" in b.area
    assert a.office == b.office


@pytest.mark.parametrize(("city", "area"), sorted(LIAONING.items()))
def test_every_liaoning_city_code_decodes_to_its_authority(city, area):
    number = SkillNumber.parse(f"1807{city}0000103353")
    assert number.authority.code == "07" + city
    assert number.authority.province == "辽宁省"
    assert number.authority.area == area


def test_the_authority_tables_list_exactly_the_seed_codes():
    assert set(authorities()) == {"15" + c for c in SHANDONG} | {"07" + c for c in LIAONING}


@pytest.mark.parametrize("city", ["15", "16", "17", "19", "99"])
def test_a_liaoning_city_code_the_seed_does_not_list_is_refused_naming_the_rule(city):
    with pytest.raises(InvalidInput) as info:
        SkillNumber.parse(f"1807{city}0000103353")
    assert info.value.field == "number (digits 3-6)"
    assert f"unknown city code {city!r} for province 07" in info.value.rule


@pytest.mark.parametrize("city", ["18", "20", "99"])
def test_a_shandong_city_code_the_seed_does_not_list_is_refused_naming_the_rule(city):
    with pytest.raises(InvalidInput) as info:
        SkillNumber.parse(f"1915{city}0000123456")
    assert f"unknown city code {city!r} for province 15" in info.value.rule


@pytest.mark.parametrize("province", ["00", "11", "37", "99"])
def test_an_unknown_province_code_is_refused_naming_the_rule(province):
    with pytest.raises(InvalidInput) as info:
        SkillNumber.parse(f"19{province}000000123456")
    assert info.value.field == "number (digits 3-6)"
    assert f"unknown province code {province!r}" in info.value.rule


@pytest.mark.parametrize("bad", ["", "180700000010335", "18070000001033531", "1807000000X03353", "1915010000XXXXXX"])
def test_a_skill_number_that_is_not_16_digits_is_refused(bad):
    with pytest.raises(InvalidInput) as info:
        SkillNumber.parse(bad, field="certificate_number")
    assert info.value.field == "certificate_number"
    assert "16 digits" in info.value.rule


def test_surrounding_blanks_around_a_skill_number_are_ignored():
    assert SkillNumber.parse(" 1807000000103353 ").text == "1807000000103353"


years = st.integers(min_value=0, max_value=99)
serials = st.integers(min_value=0, max_value=9_999_999_999)


@given(st.sampled_from(sorted(authorities())), years, serials)
def test_the_parsed_authority_is_always_digits_3_to_6(code, yy, serial):
    text = f"{yy:02d}{code}{serial:010d}"
    number = SkillNumber.parse(text)
    assert number.authority.code == text[2:6] == code
    assert number.year % 100 == yy


@given(st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}").filter(lambda c: c not in authorities()),
       years, serials)
def test_a_number_with_an_unlisted_authority_code_is_always_refused(code, yy, serial):
    with pytest.raises(InvalidInput) as info:
        SkillNumber.parse(f"{yy:02d}{code}{serial:010d}")
    assert info.value.field == "number (digits 3-6)"
    assert "unknown" in info.value.rule


# -- parse_certificate -------------------------------------------------------------------------


def test_a_complete_skill_certificate_parses_with_its_authority_from_the_number():
    data = parse_certificate(raw())
    assert data.family == Family.SKILL
    assert data.authority == "1501"
    assert data.level == "四级"
    assert (data.theory_score, data.practical_score, data.review_score) == (80, 75, None)
    assert data.result == "合格"
    assert data.style == Style.NEW
    assert data.masked_id == "370124XXXXXXXXXXXX"


@pytest.mark.parametrize(
    ("given_level", "level"),
    [("5", "五级"), ("初级工", "五级"), ("四级/中级工", "四级"), ("中级工", "四级"), ("3", "三级"),
     ("高级工", "三级"), ("技师", "二级"), ("二级/技师", "二级"), ("高级技师", "一级"), ("一级", "一级")],
)
def test_skill_level_aliases_map_to_the_five_levels(given_level, level):
    assert parse_certificate(raw(level=given_level)).level == level


@pytest.mark.parametrize("bad", ["六级", "6", "0", "", "senior"])
def test_an_unknown_skill_level_is_refused_naming_level(bad):
    assert refusal(level=bad).field == "level"


@pytest.mark.parametrize("field", ["theory_score", "practical_score", "review_score"])
def test_scores_0_and_100_are_accepted(field):
    assert getattr(parse_certificate(raw(**{field: "0"})), field) == 0
    assert getattr(parse_certificate(raw(**{field: 100})), field) == 100


@pytest.mark.parametrize("field", ["theory_score", "practical_score", "review_score"])
@pytest.mark.parametrize("bad", ["101", "-1", "abc", "80.5"])
def test_a_score_outside_0_to_100_or_not_whole_is_refused_naming_the_field(field, bad):
    assert refusal(**{field: bad}).field == field


def test_a_blank_score_means_no_score():
    assert parse_certificate(raw(theory_score="  ")).theory_score is None


def test_a_gender_disagreeing_with_the_id_number_is_refused_naming_gender():
    err = refusal(gender="女")
    assert err.field == "gender"
    assert "disagrees" in err.rule
    err = refusal(id_number=FEMALE_ID, gender="男")
    assert err.field == "gender"


def test_a_gender_agreeing_with_the_id_number_is_accepted_also_as_an_english_alias():
    assert parse_certificate(raw(id_number=FEMALE_ID, gender="female")).gender == "女"
    assert parse_certificate(raw(gender="M")).gender == "男"


def test_a_passport_holder_gives_the_gender_without_an_id_cross_check():
    data = parse_certificate(raw(id_type="passport", id_number="E12345678", gender="女"))
    assert data.gender == "女"
    assert data.masked_id != "E12345678"


def test_an_issue_date_in_the_future_is_refused_naming_issue_date():
    err = refusal(issue_date=(date.today() + timedelta(days=1)).isoformat())
    assert err.field == "issue_date"
    assert "future" in err.rule


def test_an_issue_date_today_is_accepted():
    today = date.today()
    number = f"{today.year % 100:02d}15010000103353"  # this year's number
    assert parse_certificate(raw(number=number, issue_date=today.isoformat())).issue_date == today.isoformat()


@pytest.mark.parametrize("text", ["2018-6-1", "2018/06/01", "20180601", "2018年6月1日"])
def test_issue_dates_in_the_common_written_forms_are_accepted(text):
    assert parse_certificate(raw(issue_date=text)).issue_date == "2018-06-01"


@pytest.mark.parametrize("bad", ["2018-02-30", "01/06/2018", "", "1949-12-31"])
def test_an_unreal_or_unreadable_issue_date_is_refused(bad):
    assert refusal(issue_date=bad).field == "issue_date"


def test_an_issue_date_before_the_holders_birth_is_refused():
    err = refusal(issue_date="1989-12-31")
    assert err.field == "issue_date"
    assert "birth" in err.rule


def test_the_style_defaults_to_old_before_2016_09_01_and_new_from_then():
    assert parse_certificate(raw(number="1615010000103353", issue_date="2016-08-31")).style == Style.OLD
    assert parse_certificate(raw(number="1615010000103353", issue_date="2016-09-01")).style == Style.NEW


# -- the year digits (seed 000 附件2: 第1-2位为年份代码，19表示2019年) ------------------------------------------


def test_the_certificate_numbers_first_two_digits_are_the_year_code_of_its_issue_19_for_2019():
    assert parse_certificate(raw(number="1915010000103353", issue_date="2019-06-28")).number == "1915010000103353"
    err = refusal(number="1915010000103353", issue_date="2018-06-28")
    assert err.field == "issue_date"
    assert "year digits 19" in err.rule and "seed 000 附件2" in err.rule


def test_a_certificate_from_the_1990s_carries_its_years_last_two_digits():
    assert parse_certificate(raw(number="9807000000103353", issue_date="1998-05-01")).issue_date == "1998-05-01"
    assert refusal(number="9807000000103353", issue_date="2008-05-01").field == "issue_date"


def test_a_correction_of_the_issue_date_must_agree_with_the_numbers_year_digits():
    data = parse_certificate(raw(number="1915010000103353", issue_date="2019-06-28"))
    corrected, _ = data.with_changes({"issue_date": "2019-07-01"})
    assert corrected.issue_date == "2019-07-01"
    with pytest.raises(InvalidInput) as refused:
        data.with_changes({"issue_date": "2020-01-02"})
    assert refused.value.field == "issue_date"


def test_the_year_rule_applies_to_new_issuance_only_a_record_stored_before_it_keeps_its_number():
    # A record written before the rule (as a stored event replays it, never validated again) whose year digits
    # disagree with its date: correcting its name is not refused for the number it was issued under.
    stored = CertificateData.from_event({**parse_certificate(raw()).to_event(), "issue_date": "2017-06-01"})
    corrected, diffs = stored.with_changes({"holder_name": "张三丰"})
    assert (corrected.number, corrected.issue_date, [d["field"] for d in diffs]) == (
        "1815010000103353", "2017-06-01", ["holder_name"])


def test_a_professional_management_number_carries_no_year_rule():
    data = parse_certificate(raw(family="professional", number="ZS2019ABC123", authority="1501", level="中级",
                                 issue_date="2018-06-01"))
    assert data.number == "ZS2019ABC123"


def test_an_unknown_style_or_result_is_refused_naming_the_field():
    assert refusal(style="antique").field == "style"
    assert refusal(result="及格").field == "result"


def test_the_holder_name_is_required():
    assert refusal(holder_name=" ").field == "holder_name"


def test_a_skill_certificate_with_an_unknown_authority_in_its_number_is_refused():
    err = refusal(number="1899000000103353")
    assert err.field == "number (digits 3-6)"


def test_a_professional_certificate_takes_a_management_number_and_the_given_authority():
    data = parse_certificate(raw(family="professional", number="zs2019abc123", authority="1500",
                                 occupation="一级建造师", level="一级建造师", specialty="建筑工程",
                                 electronic="是"))
    assert data.family == Family.PROFESSIONAL
    assert data.number == "ZS2019ABC123"
    assert data.authority == "1500"
    assert data.level == "一级建造师"
    assert data.electronic is True


@pytest.mark.parametrize("bad", ["", "AB12", "ZS-2019-0001", "A" * 33])
def test_a_professional_certificate_without_a_valid_management_number_is_refused(bad):
    err = refusal(family="professional", number=bad, authority="1500")
    assert err.field == "number"
    assert "management number" in err.rule


@pytest.mark.parametrize("bad", ["", "1599", "3700"])
def test_a_professional_certificate_without_a_known_authority_is_refused(bad):
    assert refusal(family="professional", number="ZS2019ABC123", authority=bad).field == "authority"


def test_an_unknown_family_is_refused():
    assert refusal(family="honorary").field == "family"


def test_a_malformed_photo_hash_is_refused_and_a_good_one_is_kept_lowercase():
    assert refusal(photo_sha256="abc").field == "photo_sha256"
    digest = "AB" * 32
    assert parse_certificate(raw(photo_sha256=digest)).photo_sha256 == digest.lower()


def test_a_datetime_given_as_a_date_is_taken_as_its_day() -> None:
    from datetime import datetime as _datetime

    from ledger.values import parse_date as _parse_date

    assert _parse_date(_datetime(2018, 6, 1, 15, 30), "issue_date").isoformat() == "2018-06-01"
