"""The issue's story, told through the installed `certledger` command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli

LIAONING = {"office": "0700", "operator": "李四"}


def issue_args(number: str, name: str, gender: str, id_number: str, occupation: str, level: str,
               date: str) -> list[str]:
    return ["issue", "--number", number, "--name", name, "--gender", gender, "--id-number", id_number,
            "--occupation", occupation, "--level", level, "--date", date, "--theory", "81", "--practical", "77"]


def test_the_whole_story_from_loss_to_delivery_is_told_by_history_and_where(
        shandong: Cli, resident_id: Callable[[str], str], tmp_path) -> None:
    cli = shandong
    jinan_electrician_proved_and_mailed(cli, resident_id)
    liaoning_welder_reissued_and_corrected(cli, resident_id)
    liaoning_institution_pickup(cli, resident_id, tmp_path)

    # history and where tell the whole story.
    story = cli("history", "1807000000103353")
    assert story.code == 0
    for fragment in ("Certificate.Issued", "Certificate.Reissued", "Certificate.Corrected",
                     "Certificate.Superseded", "Document.HandedOver", "holder_name: 赵六 -> 赵陆", "李四 @ 0700"):
        assert fragment in story.out
    where = cli("where", "1807000000103353")
    assert "institution" in where.out and "LN2018-05-17" in where.out and "receipt signed by 孙八" in where.out
    electrician = cli("history", "1915010000123456")
    assert "Proof.Recorded" in electrician.out and "EA123456789CN" in electrician.out

    # An altered evidence file is caught.
    stored = next((cli.home / "blobs").rglob("*"), None)
    files = [p for p in (cli.home / "blobs").rglob("*") if p.is_file()]
    assert stored is not None and len(files) == 1
    files[0].write_bytes(b"tampered")
    assert "changed" in cli("where", "1807000000103353").out


def jinan_electrician_proved_and_mailed(cli: Cli, resident_id: Callable[[str], str]) -> None:
    holder = resident_id("37012419900101123")
    # A Jinan electrician's certificate; electricians left the national catalog.
    assert cli(*issue_args("1915010000123456", "王五", "男", holder, "电工", "三级", "2019-06-01")).code == 0

    # Reported lost: no reissue, the error names the written proof as the remedy.
    refused = cli("reissue", "1915010000123456")
    assert refused.code == 4
    assert "written proof" in refused.err and "occupation-left-catalog" in refused.err
    assert refused.err.count("\n") == 1 and "Traceback" not in refused.err

    # The written proof is recorded instead, then sent by EMS.
    proof = cli("--json", "prove", "1915010000123456", "--kind", "written", "--reason", "lost").json()
    assert proof["number"] == "SM-1915010000123456-01" and proof["status"] == "current"
    assert proof["data"]["id_number"] == "370124XXXXXXXXXXXX"  # masked in output
    mailed = cli("--json", "handover", "mail", proof["number"], "--tracking", "EA123456789CN",
                 "--address", "山东省济南市历下区解放东路16号").json()
    assert mailed["custody"] == "in-transit" and "EA123456789CN" in mailed["location"]


def liaoning_welder_reissued_and_corrected(cli: Cli, resident_id: Callable[[str], str]) -> None:
    # A Liaoning provincial certificate for a welder (in the catalog): reissued under its number.
    welder = resident_id("21010219850505202")
    welder_args = issue_args("1807000000103353", "赵六", "女", welder, "焊工", "四级", "2018-05-01")
    cli.add_office(**LIAONING)  # Liaoning's key and its clerk's credential, in the same home
    assert cli(*welder_args, **LIAONING).code == 0
    other_office = cli("reissue", "1807000000103353")  # Jinan did not issue it
    assert other_office.code == 4 and "issuing-authority-only" in other_office.err
    reissued = cli("--json", "reissue", "1807000000103353", **LIAONING).json()
    assert reissued["number"] == "1807000000103353" and reissued["edition"] == 2
    assert "遗失补发" in reissued["remarks"][0] and reissued["catalog_version"] == "2021"
    old = cli("--json", "show", "1807000000103353", "--edition", "1").json()
    assert old["status"] == "superseded" and old["superseded"]["by_edition"] == 2

    # A correction exchange keeps before and after.
    corrected = cli("--json", "correct", "1807000000103353", "--set", "holder_name=赵陆", **LIAONING).json()
    assert corrected["edition"] == 3
    assert corrected["corrections"] == [{"field": "holder_name", "old": "赵六", "new": "赵陆"}]


def liaoning_institution_pickup(cli: Cli, resident_id: Callable[[str], str], tmp_path: Path) -> None:
    # An institution collects two welders' certificates with a contact letter and a receipt.
    assert cli(*issue_args("1807000000103354", "钱七", "男", resident_id("21010219860606303"), "焊工", "四级",
                           "2018-05-01"), **LIAONING).code == 0
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 signed receipt scan")
    picked = cli("--json", "handover", "institution", "1807000000103353", "1807000000103354",
                 "--institution", "沈阳某焊接技术学校", "--batch", "LN2018-05-17", "--occupation", "焊工",
                 "--level", "四级", "--head-count", "30", "--agent-name", "孙八",
                 "--agent-id-number", resident_id("21010219800101101"), "--signer", "孙八",
                 "--signer-phone", "024-22955229", "--receipt-date", "2026-11-20", "--received", "2",
                 "--rosters", "1", "--evidence", f"receipt={receipt}", **LIAONING).json()
    assert [p["custody"] for p in picked] == ["institution", "institution"]
    assert picked[0]["trail"][-1]["evidence"][0]["state"] == "ok"


def test_every_command_speaks_json(shandong: Cli, resident_id: Callable[[str], str]) -> None:
    cli = shandong
    r = cli("--json", *issue_args("1915010000000017", "周九", "男", resident_id("37010219900101001"), "电工", "五级",
                                  "2019-01-02"))
    assert r.json()["edition"] == 1
    assert isinstance(cli("--json", "history", "1915010000000017").json(), list)
    assert cli("--json", "where", "1915010000000017").json()["custody"] == "office"
    assert cli("--json", "catalog", "show").json()["version"] == "2021"
    req = cli("--json", "request", "apply", "1915010000000017", "--kind", "proof", "--applicant", "周九").json()
    assert req[0]["stage"] == "applied"
    err = cli("--json", "show", "1915019999999999")
    assert err.code == 5 and err.json()["error"] == "not_found"
