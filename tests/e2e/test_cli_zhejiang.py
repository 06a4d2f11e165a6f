"""A Zhejiang office starts from its own authority table (seed 003 gives Zhejiang's offices no shipped table):
`init --authority-table FILE` in a development home, and through the root's keeper where the office holds no
root passphrase; then its pickup notices, which refuse a certificate already collected."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_cli_keeper import OFFICE_ENV, _certify, keeper  # noqa: F401 - the keeper's fixture

# The seeds give Zhejiang no codes: the table is the office's own file (各地公布的联系电话, seed 003 (九)).
ZHEJIANG = {"code": "33", "name": "浙江省", "lookup_urls": ["http://zscx.osta.org.cn"], "cities": {
    "01": {"area": "杭州市", "office": "杭州市职业技能鉴定指导中心", "phone": "0571-00000001",
           "address": "浙江省杭州市（测试地址）"},
    "02": {"area": "宁波市", "office": "宁波市职业技能鉴定指导中心", "phone": "0574-00000002",
           "address": "浙江省宁波市（测试地址）"}}}
HANGZHOU = "1933010000000101"


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "zhejiang.json"
    path.write_text(json.dumps(ZHEJIANG, ensure_ascii=False), "utf-8")
    return path


def _issue(cli: Cli, holder: str) -> None:
    r = cli("issue", "--number", HANGZHOU, "--name", "陈晓", "--gender", "男", "--id-number", holder,
            "--occupation", "焊工", "--level", "四级", "--date", "2019-06-28")
    assert r.code == 0, r.err


def test_a_zhejiang_office_is_initialised_with_its_table_and_a_collected_certificate_is_on_no_pickup_notice(
        cli: Cli, table: Path, resident_id: Callable[[str], str], tmp_path: Path) -> None:
    unknown = cli("init", "--office", "3301", "--operator", "陈静")
    assert unknown.code != 0 and "unknown province code '33'" in unknown.err  # without its table: the dead end
    started = cli("--json", "init", "--office", "3301", "--operator", "陈静", "--authority-table", str(table))
    assert started.code == 0, started.err
    assert started.json()["authority_table"] == "33"  # type: ignore[index]
    holder = resident_id("33010219850302123")
    _issue(cli, holder)  # a later process knows office 3301 from the recorded table
    shown = cli("show", HANGZHOU)
    assert shown.code == 0 and "杭州市职业技能鉴定指导中心" in shown.out, shown.err
    # seed 003 (五): 领取证书通知已发布且在公布名单中
    published = cli("--json", "pickup", "publish", HANGZHOU, "--on", "2024-05-06")
    assert published.code == 0, published.err
    pad = tmp_path / "signature.png"
    pad.write_bytes(b"e-signature pad")
    handed = cli("handover", "in-person", HANGZHOU, "--id-number", holder, "--evidence", f"signature={pad}")
    assert handed.code == 0, handed.err
    before = cli.event_count()
    again = cli("pickup", "publish", HANGZHOU)
    assert again.code != 0 and "pickup-already-collected" in again.err and HANGZHOU in again.err, again.err
    assert "Traceback" not in again.err and cli.event_count() == before  # nothing written
    # a second office of the province in this home: the ledger knows the table, no file needed
    second = cli("--json", "init", "--office", "3302", "--operator", "王丽")
    assert second.code == 0, second.err
    assert second.json()["authority_table"] is None  # type: ignore[index]


def test_init_refuses_another_provinces_table_before_anything_is_made(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "anhui.json"
    other.write_text(json.dumps({**ZHEJIANG, "code": "34", "name": "安徽省"}, ensure_ascii=False), "utf-8")
    refused = cli("init", "--office", "3301", "--operator", "陈静", "--authority-table", str(other))
    assert refused.code != 0 and "authority-table-own-province" in refused.err, refused.err
    assert not cli.home.exists()  # no home, no store, no key
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**ZHEJIANG, "cities": {"01": {"area": "杭州市"}}}, ensure_ascii=False), "utf-8")
    bad = cli("init", "--office", "3301", "--operator", "陈静", "--authority-table", str(broken))
    assert bad.code != 0 and "cities.01.office" in bad.err and not cli.home.exists(), bad.err


def test_without_the_root_passphrase_the_keeper_certifies_a_zhejiang_office_from_the_same_table(
        keeper: Cli, table: Path, tmp_path: Path,  # noqa: F811 - the imported fixture
        resident_id: Callable[[str], str]) -> None:
    office = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(OFFICE_ENV))
    pending = office("--json", "init", "--office", "3301", "--operator", "陈静", "--authority-table", str(table))
    assert pending.code == 0, pending.err
    assert (office.home / "authority-table.pending.json").is_file()  # waits beside the pending key
    r = office("--json", "keys", "request", "--publisher", "--out", str(tmp_path / "publisher.req"))
    assert r.code == 0, r.err
    _certify(keeper, tmp_path / "publisher.req", tmp_path / "publisher.cert")
    r = office("keys", "install", str(tmp_path / "publisher.cert"), "--root", str(tmp_path / "root" / "root.cert.pem"))
    assert r.code == 0, r.err
    requested = office("--json", "keys", "request", "--out", str(tmp_path / "3301.req"), office="3301")
    assert requested.code == 0, requested.err
    kid = requested.json()["pending"]  # type: ignore[index]
    unknown = keeper("keys", "certify", str(tmp_path / "3301.req"), "--out", str(tmp_path / "x.cert"))
    assert unknown.code != 0 and "no known issuing authority" in unknown.err  # the keeper needs the table too
    _certify(keeper, tmp_path / "3301.req", tmp_path / "3301.cert", "--kid", kid, "--authority-table", str(table))
    installed = office("--json", "keys", "install", str(tmp_path / "3301.cert"), office="3301")
    assert installed.code == 0, installed.err
    assert not (office.home / "authority-table.pending.json").exists()  # recorded with the first credential
    listed = office("--json", "keys", "list").json()
    assert {k["office"] for k in listed if k["status"] == "active"} == {"3301"}  # type: ignore[union-attr]
    _issue(office, resident_id("33010219850302123"))  # the office acts, as 陈静 @ 3301
