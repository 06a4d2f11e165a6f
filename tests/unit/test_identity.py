"""Identity documents: GB 11643 resident IDs, the other ID types, masking, gender."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.identity import IdDocument, IdType, mask_id

# Reference implementation of ISO 7064 MOD 11-2 as GB 11643-1999 states it, written
# independently of ledger.identity so that the tests do not check the code against itself.
REF_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REF_MAP = "10X98765432"


def ref_check_char(first17: str) -> str:
    assert len(first17) == 17 and first17.isdigit()
    total = 0
    for i in range(17):
        total += int(first17[i]) * REF_WEIGHTS[i]
    return REF_MAP[total % 11]


def resident_id(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + ref_check_char(first17)


def other_check_chars(number: str) -> list[str]:
    return [c for c in "0123456789X" if c != number[17]]


def refusal(id_type: str | IdType, number: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        IdDocument.parse(id_type, number)
    return info.value


# -- the reference implementation itself ------------------------------------------------


def test_the_reference_weights_are_two_to_the_power_of_the_position_modulo_eleven():
    # ISO 7064 MOD 11-2: W_i = 2^(i-1) mod 11, i counted from the check character (i = 1).
    assert tuple(pow(2, 17 - k, 11) for k in range(17)) == REF_WEIGHTS


def test_the_reference_implementation_reproduces_the_standards_published_example():
    # GB 11643-1999 gives 11010519491231002X as its worked example.
    assert ref_check_char("11010519491231002") == "X"


# -- resident ID: accepted -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "born", "sequence"),
    [
        ("110105", date(1949, 12, 31), 2),
        ("370124", date(1990, 1, 1), 123),
        ("210102", date(2000, 2, 29), 456),
        ("650102", date(1900, 1, 1), 999),
        ("440305", date(1985, 7, 15), 10),
    ],
)
def test_a_resident_id_with_the_correct_check_character_is_accepted(region, born, sequence):
    number = resident_id(region, born, sequence)
    doc = IdDocument.parse("resident", number)
    assert doc.type is IdType.RESIDENT
    assert doc.number == number
    assert doc.birth_date == born


def test_the_standards_own_example_is_accepted():
    doc = IdDocument.parse(IdType.RESIDENT, "11010519491231002X")
    assert doc.birth_date == date(1949, 12, 31)
    assert doc.gender == "女"


def test_a_lowercase_x_check_character_is_accepted_and_stored_uppercase():
    number = resident_id("110105", date(1949, 12, 31), 2)
    assert number.endswith("X")
    doc = IdDocument.parse("resident", "  " + number.lower() + " ")
    assert doc.number == number


def test_the_id_type_may_be_given_by_its_chinese_label():
    number = resident_id("370124", date(1990, 1, 1), 123)
    assert IdDocument.parse("居民身份证", number).type is IdType.RESIDENT


def test_an_unknown_id_type_is_refused_naming_id_type():
    err = refusal("driving-licence", resident_id("370124", date(1990, 1, 1), 123))
    assert err.field == "id_type"


# -- resident ID: refused ------------------------------------------------------------------


def test_a_wrong_check_character_is_refused_naming_id_number_and_gb_11643():
    good = resident_id("370124", date(1990, 1, 1), 123)
    for wrong in other_check_chars(good):
        err = refusal("resident", good[:17] + wrong)
        assert err.field == "id_number"
        assert "GB 11643" in err.rule
        assert "check character" in err.rule


def test_the_refusal_names_the_expected_check_character():
    good = resident_id("370124", date(1990, 1, 1), 123)
    wrong = other_check_chars(good)[0]
    err = refusal("resident", good[:17] + wrong)
    assert repr(good[17]) in err.rule


def test_a_custom_field_name_is_carried_into_the_refusal():
    good = resident_id("370124", date(1990, 1, 1), 123)
    with pytest.raises(InvalidInput) as info:
        IdDocument.parse("resident", good[:17] + other_check_chars(good)[0], field="agent_id_number")
    assert info.value.field == "agent_id_number"


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900001", "19900100", "20230229"])
def test_an_impossible_birth_date_is_refused(birth):
    first17 = f"370124{birth}123"
    err = refusal("resident", first17 + ref_check_char(first17))
    assert err.field == "id_number"
    assert "birth date" in err.rule


def test_a_birth_date_before_1900_is_refused():
    first17 = "370124" + "18991231" + "123"
    err = refusal("resident", first17 + ref_check_char(first17))
    assert "out of range" in err.rule


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = date.today() + timedelta(days=1)
    err = refusal("resident", resident_id("370124", tomorrow, 123))
    assert "out of range" in err.rule


@pytest.mark.parametrize("length", [17, 19, 10])
def test_a_resident_id_of_the_wrong_length_is_refused(length):
    good = resident_id("370124", date(1990, 1, 1), 123)
    text = (good * 2)[:length]
    err = refusal("resident", text)
    assert err.field == "id_number"
    assert "18 characters" in err.rule


def test_an_obsolete_15_digit_resident_id_is_refused_as_obsolete():
    err = refusal("resident", "370124900101123")
    assert err.field == "id_number"
    assert "obsolete" in err.rule


@pytest.mark.parametrize("bad", ["37012419900101123Y", "3701241990010112X3", "A7012419900101123X"])
def test_a_resident_id_with_letters_other_than_a_final_x_is_refused(bad):
    assert refusal("resident", bad).field == "id_number"


@pytest.mark.parametrize("first_digit", ["0", "8", "9"])
def test_a_resident_id_with_a_region_outside_1_to_7_is_refused(first_digit):
    err = refusal("resident", resident_id(first_digit + "10000", date(1990, 1, 1), 123))
    assert "region" in err.rule


def test_an_empty_id_number_is_refused_as_required():
    assert refusal("resident", "   ").rule == "required"


# -- gender and masking ----------------------------------------------------------------------


@pytest.mark.parametrize(("sequence", "gender"), [(1, "男"), (3, "男"), (9, "男"), (0, "女"), (2, "女"), (8, "女")])
def test_the_gender_follows_the_parity_of_the_17th_digit(sequence, gender):
    doc = IdDocument.parse("resident", resident_id("370124", date(1990, 1, 1), 120 + sequence))
    assert doc.number[16] == str(sequence)
    assert doc.gender == gender


def test_masking_a_resident_id_keeps_only_the_region_as_the_template_shows():
    number = resident_id("370124", date(1990, 1, 1), 123)
    assert mask_id(number) == "370124XXXXXXXXXXXX"
    assert IdDocument.parse("resident", number).masked == "370124XXXXXXXXXXXX"


def test_masking_by_the_stored_string_type_matches_masking_by_the_enum():
    number = resident_id("370124", date(1990, 1, 1), 123)
    assert mask_id(number, "resident") == mask_id(number, IdType.RESIDENT) == "370124XXXXXXXXXXXX"


# -- other ID types --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_an_hmt_residence_permit_with_an_81_82_or_83_prefix_is_accepted(prefix):
    number = resident_id(prefix, date(1988, 8, 8), 35)
    doc = IdDocument.parse("hmt-residence", number)
    assert doc.type is IdType.HMT_RESIDENCE
    assert doc.birth_date == date(1988, 8, 8)
    assert doc.gender == "男"
    assert doc.masked == prefix + "X" * 12


@pytest.mark.parametrize("prefix", ["370124", "840000", "810100"])
def test_an_hmt_residence_permit_without_an_81_82_or_83_prefix_is_refused(prefix):
    err = refusal("hmt-residence", resident_id(prefix, date(1988, 8, 8), 35))
    assert "start with" in err.rule


def test_an_hmt_residence_permit_with_a_wrong_check_character_is_refused():
    good = resident_id("810000", date(1988, 8, 8), 35)
    err = refusal("hmt-residence", good[:17] + other_check_chars(good)[0])
    assert "GB 11643" in err.rule


def test_an_18_character_foreign_permanent_residence_id_starting_with_9_is_accepted():
    number = resident_id("911840", date(1975, 3, 21), 42)
    doc = IdDocument.parse("foreign-permanent", number)
    assert doc.birth_date == date(1975, 3, 21)
    assert doc.gender == "女"


def test_an_18_character_foreign_permanent_residence_id_not_starting_with_9_is_refused():
    err = refusal("foreign-permanent", resident_id("370124", date(1975, 3, 21), 42))
    assert "start with 9" in err.rule


def test_an_18_character_foreign_permanent_residence_id_with_a_wrong_check_character_is_refused():
    good = resident_id("911840", date(1975, 3, 21), 42)
    assert "GB 11643" in refusal("foreign-permanent", good[:17] + other_check_chars(good)[0]).rule


def test_a_15_character_foreign_permanent_residence_permit_of_3_letters_and_12_digits_is_accepted():
    doc = IdDocument.parse("foreign-permanent", "usa110079060332")
    assert doc.number == "USA110079060332"
    assert doc.birth_date is None
    assert doc.gender is None


@pytest.mark.parametrize("bad", ["US1110079060332", "USA11007906033A", "123110079060332"])
def test_a_malformed_15_character_foreign_permanent_residence_permit_is_refused(bad):
    assert "3 letters then 12 digits" in refusal("foreign-permanent", bad).rule


@pytest.mark.parametrize("good", ["H12345678", "M12345678", "H1234567890", "m8765432101"])
def test_a_hong_kong_macau_permit_of_h_or_m_and_8_or_10_digits_is_accepted(good):
    doc = IdDocument.parse("hk-macau-permit", good)
    assert doc.number == good.upper()
    assert doc.gender is None


@pytest.mark.parametrize("bad", ["A12345678", "H1234567", "H123456789", "H123456789012", "12345678"])
def test_a_malformed_hong_kong_macau_permit_is_refused(bad):
    err = refusal("hk-macau-permit", bad)
    assert err.field == "id_number"
    assert "H or M" in err.rule


@pytest.mark.parametrize("good", ["12345678", "1234567890"])
def test_a_taiwan_permit_of_8_or_10_digits_is_accepted(good):
    assert IdDocument.parse("taiwan-permit", good).type is IdType.TAIWAN_PERMIT


@pytest.mark.parametrize("bad", ["1234567", "123456789", "12345678901", "T1234567"])
def test_a_malformed_taiwan_permit_is_refused(bad):
    assert "8 (or 10) digits" in refusal("taiwan-permit", bad).rule


@pytest.mark.parametrize("good", ["E12345678", "g1234567", "AB123", "12345678901234567"])
def test_a_passport_of_5_to_17_letters_or_digits_is_accepted(good):
    doc = IdDocument.parse("passport", good)
    assert doc.number == good.upper()
    assert doc.birth_date is None
    assert doc.gender is None


@pytest.mark.parametrize("bad", ["E123", "E-1234567", "E 1234567", "123456789012345678"])
def test_a_malformed_passport_is_refused(bad):
    assert "5-17 letters or digits" in refusal("passport", bad).rule


@pytest.mark.parametrize(
    ("id_type", "number"),
    [("passport", "E12345678"), ("hk-macau-permit", "H1234567890"), ("taiwan-permit", "1234567890"),
     ("foreign-permanent", "USA110079060332")],
)
def test_masking_other_id_types_reveals_nothing_beyond_the_first_6_characters(id_type, number):
    masked = IdDocument.parse(id_type, number).masked
    assert len(masked) == len(number)
    assert set(masked[6:]) <= {"X"}
    assert masked != number


# -- properties ------------------------------------------------------------------------------

regions = st.integers(min_value=110000, max_value=659999).map(str)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
sequences = st.integers(min_value=0, max_value=999)


@given(regions, birth_dates, sequences)
def test_every_well_formed_resident_id_parses(region, born, sequence):
    number = resident_id(region, born, sequence)
    doc = IdDocument.parse("resident", number)
    assert doc.number == number
    assert doc.birth_date == born
    assert doc.gender == ("男" if sequence % 2 else "女")


@given(regions, birth_dates, sequences, st.data())
def test_changing_the_check_character_of_a_resident_id_always_fails(region, born, sequence, data):
    number = resident_id(region, born, sequence)
    wrong = data.draw(st.sampled_from(other_check_chars(number)))
    with pytest.raises(InvalidInput) as info:
        IdDocument.parse("resident", number[:17] + wrong)
    assert info.value.field == "id_number"
    assert "GB 11643" in info.value.rule


@given(regions, birth_dates, sequences)
def test_masking_a_valid_resident_id_never_reveals_characters_after_position_6(region, born, sequence):
    number = resident_id(region, born, sequence)
    masked = IdDocument.parse("resident", number).masked
    assert masked == number[:6] + "X" * 12


@given(st.text(alphabet="0123456789X", min_size=0, max_size=30),
       st.sampled_from([t.value for t in IdType]))
def test_masking_any_string_never_reveals_characters_after_position_6(number, id_type):
    masked = mask_id(number, id_type)
    assert len(masked) == len(number)
    assert set(masked[6:]) <= {"X"}
    assert all(m in (c, "X") for m, c in zip(masked[:6], number[:6], strict=True))
