"""Authenticated actors through the installed command (issue 12, attack 1): the office acting is the one the
credential names; --office / --operator only choose among held credentials; show --reveal needs the issuing
office's credential and is recorded; audit verify names an inserted row as a forgery. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Backend, on_backends
from tests.e2e.conftest import PASSPHRASES, Cli
from tests.e2e.test_cli_story import issue_args

WELDER = "1807000000103353"


def office_home(cli: Cli, resident_id: Callable[[str], str]) -> Cli:
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0, "init"
    r = cli(*issue_args("1915010000123456", "王五", "男", resident_id("37012419900101123"), "电工", "三级",
                        "2019-06-01"))
    assert r.code == 0, r.err
    return cli


def test_acting_as_another_office_in_a_1501_home_is_refused_and_writes_nothing(
        cli: Cli, resident_id: Callable[[str], str]) -> None:
    home = office_home(cli, resident_id)
    before = home.rows()
    r = home("revoke", "1915010000123456", "--reason", "冒名", office="0700", operator="冒名")
    assert r.code == 3 and "office: no credential of office 0700 is held here" in r.err, r.err
    r = home("revoke", "1915010000123456", "--reason", "冒名", operator="冒名")  # 1501's, another name
    assert r.code == 3 and "operator: no credential of 冒名 @ 1501" in r.err, r.err
    r = home("show", "1915010000123456", "--reveal", office="0700")
    assert r.code == 3 and "no credential of office 0700" in r.err and "37012419900101123" not in r.out
    assert home.rows() == before
    history = home("history", "1915010000123456").out
    assert "冒名" not in history and "张三 @ 1501" in history


def test_a_wrong_operator_passphrase_writes_nothing(cli: Cli, resident_id: Callable[[str], str]) -> None:
    home = office_home(cli, resident_id)
    before = home.rows()
    wrong = Cli(home.home, home.cwd, extra_env={"CERTLEDGER_OPERATOR_PASSPHRASE": "guess"})
    r = wrong("revoke", "1915010000123456", "--reason", "x")
    assert r.code != 0 and "wrong passphrase" in r.err and "Traceback" not in r.err
    assert home.rows() == before


def test_reveal_needs_the_issuing_office_and_is_recorded(cli: Cli, resident_id: Callable[[str], str]) -> None:
    home = office_home(cli, resident_id)
    home.add_office("0700", "李四")  # a genuine credential of another office: the authority rule refuses it
    before = home.event_count()
    r = home("show", "1915010000123456", "--reveal", office="0700", operator="李四")
    assert r.code == 4 and "issuing-authority-only" in r.err and "37012419900101123" not in r.out
    assert home.event_count() == before
    shown = home("show", "1915010000123456", "--reveal")
    assert shown.code == 0 and "37012419900101123" in shown.out
    assert home.event_count() == before + 1  # the disclosure, on the record
    assert "Disclosure.Revealed" in str(home.rows()[-1])
    assert home("audit", "verify").code == 0


def test_operators_added_by_their_office_act_with_their_own_credential(
        cli: Cli, resident_id: Callable[[str], str]) -> None:
    home = office_home(cli, resident_id)
    r = home("operator", "add", "--operator", "赵敏")  # her passphrase: CERTLEDGER_NEW_OPERATOR_PASSPHRASE
    assert r.code == 0, r.err
    listed = home("--json", "operator", "list").json()
    assert sorted((c["operator"], c["office"], c["state"]) for c in listed) == [  # type: ignore[union-attr]
        ("张三", "1501", "enrolled"), ("赵敏", "1501", "enrolled")]
    her_own = PASSPHRASES["CERTLEDGER_NEW_OPERATOR_PASSPHRASE"]
    zhao = Cli(home.home, home.cwd, extra_env={"CERTLEDGER_OPERATOR_PASSPHRASE": her_own})
    r = zhao("revoke", "1915010000123456", "--reason", "测试", operator="赵敏")
    assert r.code == 0, r.err
    assert "赵敏 @ 1501" in home("history", "1915010000123456").out
    assert home("audit", "verify").code == 0


def _forge_sqlite(home: Cli) -> int:
    with sqlite3.connect(home.db) as conn:
        topic, state = conn.execute("SELECT topic, state FROM stored_events ORDER BY rowid DESC LIMIT 1").fetchone()
        conn.execute("INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, 1, ?, ?)",
                     (uuid.uuid4().hex, topic, state))
        return int(conn.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


def test_audit_verify_names_an_inserted_row_as_a_forgery(cli: Cli, resident_id: Callable[[str], str]) -> None:
    home = office_home(cli, resident_id)
    assert home("audit", "verify").code == 0
    nid = _forge_sqlite(home)
    r = home("--json", "audit", "verify")
    assert r.code == 13
    report = r.json()
    forged = [d for d in report["divergences"] if d["problem"].startswith("forgery")]  # type: ignore[index]
    assert [(d["notification_id"], d["event_type"]) for d in forged] == [(nid, "Certificate.Issued")]


@on_backends("postgres")
def test_on_postgres_the_honest_path_is_intact_and_an_inserted_row_a_forgery(backend: Backend, tmp_path: Path,
                                                                             resident_id: Callable[[str], str]) -> None:
    import psycopg
    from psycopg import sql

    settings = {f"CERTLEDGER_{k}": v for k, v in backend.env.items() if k.startswith("POSTGRES_")}
    home = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env={"CERTLEDGER_STORE": "postgres", **settings})
    assert home("init", "--office", "1501", "--operator", "张三", "--store", "postgres").code == 0
    assert home(*issue_args("1915010000123456", "王五", "男", resident_id("37012419900101123"), "电工", "三级",
                            "2019-06-01")).code == 0
    r = home("revoke", "1915010000123456", "--reason", "x", office="0700", operator="冒名")
    assert r.code == 3
    assert home("audit", "verify").code == 0
    env = backend.env
    with psycopg.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DBNAME"], autocommit=True) as c:
        c.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(env["POSTGRES_SCHEMA"])))
        c.execute("INSERT INTO certledger_events (originator_id, originator_version, topic, state) "
                  "SELECT %s, 1, topic, state FROM certledger_events ORDER BY notification_id DESC LIMIT 1",
                  (uuid.uuid4(),))
    r = home("audit", "verify")
    assert r.code == 13 and "forgery" in r.out + r.err

