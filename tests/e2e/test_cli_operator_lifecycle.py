"""An operator credential's life after enrolment, through the installed command (issue 12): the office revokes a
credential (a lost laptop), which then cannot act and whose later saves the audit names; an operator changes
their credential's passphrase, after which only the new one opens it."""

from __future__ import annotations

import stat
from collections.abc import Callable

from tests.e2e.conftest import PASSPHRASES, Cli
from tests.e2e.test_cli_credentials import office_home
from tests.e2e.test_cli_story import issue_args

ZHAO_PASS = PASSPHRASES["CERTLEDGER_NEW_OPERATOR_PASSPHRASE"]


def with_zhao(cli: Cli, resident_id: Callable[[str], str]) -> tuple[Cli, Cli, str]:
    home = office_home(cli, resident_id)
    assert home("operator", "add", "--operator", "赵敏").code == 0
    zhao = Cli(home.home, home.cwd, extra_env={"CERTLEDGER_OPERATOR_PASSPHRASE": ZHAO_PASS})
    listed = home("--json", "operator", "list").json()
    credential = next(c["credential"] for c in listed if c["operator"] == "赵敏")  # type: ignore[union-attr]
    return home, zhao, str(credential)


def test_a_revoked_credential_can_no_longer_act_and_the_revocation_is_on_the_record(
        cli: Cli, resident_id: Callable[[str], str]) -> None:
    home, zhao, credential = with_zhao(cli, resident_id)
    assert zhao("revoke", "1915010000123456", "--reason", "测试", operator="赵敏").code == 0  # before: she acts
    r = home("operator", "revoke", credential[:16], "--reason", "笔记本电脑遗失")
    assert r.code == 0 and f"credential {credential[:16]} of 赵敏 @ 1501 revoked by 张三" in r.out, r.err
    states = {c["operator"]: c["state"] for c in home("--json", "operator", "list").json()}  # type: ignore[union-attr]
    assert states == {"张三": "enrolled", "赵敏": "revoked"}
    before = home.rows()
    r = zhao(*issue_args("1915010000123457", "李雷", "男", resident_id("37012419900101124"), "焊工", "四级",
                         "2019-06-01"), operator="赵敏")
    assert r.code == 4 and "credential-revoked" in r.err and "was revoked on" in r.err, r.err
    assert home.rows() == before  # refused before anything was written
    again = home("operator", "revoke", credential, "--reason", "again")
    assert again.code == 4 and "already revoked" in again.err
    assert home("audit", "verify").code == 0  # the honest history, revocation included, verifies


def test_only_the_own_offices_credentials_can_be_revoked_and_bad_ids_are_named(
        cli: Cli, resident_id: Callable[[str], str]) -> None:
    home, _, credential = with_zhao(cli, resident_id)
    home.add_office("0700", "李四")
    before = home.event_count()
    r = home("operator", "revoke", credential[:16], "--reason", "冒名", office="0700", operator="李四")
    assert r.code == 5 and "no credential" in r.err and "of office 0700" in r.err, r.err
    for bad in ("zz", "12ab", "g" * 16):
        r = home("operator", "revoke", bad, "--reason", "x")
        assert r.code == 3 and "credential:" in r.err and "Traceback" not in r.err, r.err
    r = home("operator", "revoke", credential[:16], "--reason", " ")
    assert r.code == 3 and "reason" in r.err
    assert home.event_count() == before


def changing(home: Cli, new: str) -> Cli:
    return Cli(home.home, home.cwd, extra_env={"CERTLEDGER_OPERATOR_PASSPHRASE": ZHAO_PASS,
                                               "CERTLEDGER_NEW_PASSPHRASE": new})


def test_a_new_passphrase_opens_the_credential_and_the_old_one_no_longer_does(
        cli: Cli, resident_id: Callable[[str], str]) -> None:
    home, zhao, credential = with_zhao(cli, resident_id)
    key_file = home.home / "credentials" / f"{credential[:16]}.key.pem"
    assert key_file.exists(), sorted(p.name for p in key_file.parent.iterdir())
    weak = changing(home, "abc")("operator", "passphrase", operator="赵敏")
    assert weak.code != 0 and "passphrase" in weak.err and "Traceback" not in weak.err, weak.err
    same = changing(home, ZHAO_PASS)("operator", "passphrase", operator="赵敏")
    assert same.code == 11 and "must differ" in same.err  # a passphrase problem: the keys exit code
    unchanged = key_file.read_bytes()
    r = changing(home, "a-fresh-passphrase-for-zhao")("operator", "passphrase", operator="赵敏")
    assert r.code == 0 and "new passphrase" in r.out, r.err
    assert key_file.read_bytes() != unchanged and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    old = zhao("revoke", "1915010000123456", "--reason", "旧口令", operator="赵敏")
    assert old.code != 0 and "wrong passphrase" in old.err, old.err
    renewed = Cli(home.home, home.cwd, extra_env={"CERTLEDGER_OPERATOR_PASSPHRASE": "a-fresh-passphrase-for-zhao"})
    assert renewed("revoke", "1915010000123456", "--reason", "新口令", operator="赵敏").code == 0
    assert home("audit", "verify").code == 0
