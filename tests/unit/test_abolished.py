"""Seed 004 二(二)2: the 15 abolished qualifications, however a clerk writes them."""

import pytest

from ledger.reference import abolished_qualification, abolished_qualifications


def test_the_seed_names_fifteen_abolished_qualification_exams():
    assert len(abolished_qualifications()) == 15


@pytest.mark.parametrize(("written", "seed_name"), [
    ("质量（初级、中级）", "质量（初级、中级）"),
    ("质量(中级)", "质量（初级、中级）"),
    ("质量（初级）", "质量（初级、中级）"),
    ("质量", "质量（初级、中级）"),
    ("质量(初级,中级)", "质量（初级、中级）"),
    (" 质量 （ 中级 ） ", "质量（初级、中级）"),
    ("国际商务师（外销员）", "国际商务师（外销员）"),
    ("国际商务师(外销员)", "国际商务师（外销员）"),
    ("国际商务师", "国际商务师（外销员）"),
    ("外销员", "国际商务师（外销员）"),
    ("注册咨询工程师（投资）", "注册咨询工程师（投资）"),
    ("注册咨询工程师(投资)", "注册咨询工程师（投资）"),
    ("注册咨询工程师", "注册咨询工程师（投资）"),
    ("二级地震安全性评价工程师", "二级地震安全性评价工程师"),
])
def test_an_abolished_qualification_matches_however_a_clerk_writes_it(written, seed_name):
    assert abolished_qualification(written) == seed_name


@pytest.mark.parametrize("written", [
    "质量（高级）",  # senior quality engineers are evaluated, not examined: not among the 15
    "咨询工程师（投资）",  # the qualification that replaced 注册咨询工程师（投资） is current
    "一级地震安全性评价工程师",
    "一级建造师",
    "税务师",
    "",
])
def test_a_current_qualification_is_not_taken_for_an_abolished_one(written):
    assert abolished_qualification(written) is None



@pytest.mark.parametrize("written", ["质量(中级)", "外销员", "注册咨询工程师(投资)"])
def test_a_qualification_proof_is_taken_for_an_abolished_qualification_however_written(written):
    from ledger.domain import ProofKind
    from tests.unit.test_certificate import CATALOG, LATER, issued, professional_data

    cert = issued(professional_data(occupation=written, level=written))
    proof = cert.prove(ProofKind.QUALIFICATION, "lost", CATALOG, "op-2", "1500", LATER, request_number="R-1")
    assert proof.kind == ProofKind.QUALIFICATION


def test_a_reissue_of_an_abolished_qualification_written_with_ascii_brackets_is_refused():
    from ledger.domain import Replacement
    from ledger.errors import RuleViolation
    from tests.unit.test_certificate import CATALOG, LATER, issued, professional_data

    cert = issued(professional_data(occupation="质量(初级)", level="质量(初级)"))
    with pytest.raises(RuleViolation) as refused:
        cert.replace(Replacement.LOST, CATALOG, "op-2", "1500", LATER)
    assert refused.value.rule == "qualification-abolished"
