"""Every remedy a refusal names works when typed as written (seeds 000, 001, 004): the command, run
literally through the installed `certledger`, does what the refusal sent the clerk to do."""

from __future__ import annotations

import shlex
from collections.abc import Callable

import pytest

from tests.e2e.conftest import Cli

ELECTRICIAN = "1807000000200017"  # Liaoning 省本级; 电工 left the catalog
WELDER = "1807000000200018"  # 焊工 is still in it
LIAONING = {"office": "0700", "operator": "李强"}


@pytest.fixture
def liaoning(cli: Cli, resident_id: Callable[[str], str]) -> Cli:
    assert cli("init", "--office", "0700", "--operator", "李强").code == 0
    holder = resident_id("21010219790311003")
    for number, occupation in ((ELECTRICIAN, "电工"), (WELDER, "焊工")):
        r = cli("issue", "--number", number, "--name", "张伟", "--gender", "男", "--id-number", holder,
                "--occupation", occupation, "--level", "四级", "--date", f"20{number[:2]}-07-12")
        assert r.code == 0, r.err
    return cli


def remedy_of(cli: Cli, *args: str) -> list[str]:
    """The refusal's remedy, as the arguments of the command it names."""
    refused = cli("--json", *args)
    assert refused.code == 4, refused.err
    remedy = refused.json()["remedy"]  # type: ignore[index]
    command = remedy[remedy.index("certledger "):]
    words = shlex.split(command)
    assert words[0] == "certledger"
    return words[1:]


@pytest.mark.parametrize(("refused", "reason"), [
    (("reissue", ELECTRICIAN), "lost"),
    (("exchange", ELECTRICIAN), "overseas"),
    (("correct", ELECTRICIAN, "--set", "level=三级", "--set", "holder_name=张 伟"), "correction"),
])
def test_an_occupation_that_left_the_catalog_ends_in_the_written_proof_the_remedy_names(
        liaoning: Cli, refused: tuple[str, ...], reason: str) -> None:
    # seed 001: 证书丢失补证明、出国换证补证明、证书错误信息更改补证明
    remedy = remedy_of(liaoning, *refused)
    assert remedy[:2] == ["prove", ELECTRICIAN] and ["--reason", reason] == remedy[4:6]
    done = liaoning("--json", *remedy)
    assert done.code == 0, done.err
    proof = done.json()
    assert (proof["proof_kind"], proof["reason"], proof["status"]) == ("written", reason, "current")  # type: ignore[index]
    if reason == "correction":  # the proof carries the corrected data, and says what changed
        assert (proof["data"]["level"], proof["data"]["holder_name"]) == ("三级", "张 伟")  # type: ignore[index]
        assert {c["field"] for c in proof["corrections"]} == {"level", "holder_name"}  # type: ignore[index]


@pytest.mark.parametrize(("reason", "command"), [("lost", "reissue"), ("overseas", "exchange")])
def test_a_proof_of_an_occupation_still_in_the_catalog_points_at_the_replacement_that_works(
        liaoning: Cli, reason: str, command: str) -> None:
    remedy = remedy_of(liaoning, "prove", WELDER, "--kind", "written", "--reason", reason)
    assert remedy == [command, WELDER]
    done = liaoning("--json", *remedy)
    assert done.code == 0, done.err
    assert done.json()["edition"] == 2  # type: ignore[index]


def test_a_correction_proof_of_an_occupation_in_the_catalog_points_at_the_correction(liaoning: Cli) -> None:
    remedy = remedy_of(liaoning, "prove", WELDER, "--reason", "correction", "--set", "level=三级")
    assert remedy == ["correct", WELDER, "--set", "level=三级"]
    done = liaoning("--json", *remedy)
    assert done.code == 0, done.err
    assert done.json()["data"]["level"] == "三级"  # type: ignore[index]


def test_the_abolished_qualifications_remedies_work(cli: Cli, resident_id: Callable[[str], str]) -> None:
    assert cli("init", "--office", "1501", "--operator", "王芳").code == 0
    holder = resident_id("37010219850302123")
    for number, qualification in (("ZS2019ABC123", "招标师"), ("ZS2019ABC124", "一级建造师")):
        r = cli("issue", "--family", "professional", "--number", number, "--authority", "1501", "--name", "王芳",
                "--gender", "男", "--id-number", holder, "--occupation", qualification, "--level", "一级",
                "--date", "2015-12-20")
        assert r.code == 0, r.err
    remedy = remedy_of(cli, "reissue", "ZS2019ABC123")  # seed 004 二(二)2: no reissue, a qualification proof
    # seed 004 二(二): the provincial centre issues it on the city's request, which the monthly batch carries
    assert remedy == ["request", "apply", "ZS2019ABC123", "--kind", "qualification", "--applicant", "王芳"]
    assert cli(*remedy).code == 0
    remedy = remedy_of(cli, "prove", "ZS2019ABC124", "--kind", "qualification")
    assert remedy == ["request", "apply", "ZS2019ABC124", "--kind", "reissue", "--applicant", "王芳"]
    assert cli(*remedy).code == 0
