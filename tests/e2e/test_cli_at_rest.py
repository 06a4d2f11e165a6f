"""Attack 6, the data at rest, through the installed command: the home 0700 and every file in it owner-only,
an existing home open to others tightened (and said so), key files sealed with scrypt, a one-character
passphrase refused, `keys rewrap`; the cipher key really keeps ID numbers out of the database files on SQLite
and on PostgreSQL; `audit repair` through the command."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import psycopg
from eventsourcing.cryptography import AESCipher
from psycopg import sql

from tests.conftest import Backend, on_backends, resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_postgres import postgres_cli
from tests.e2e.test_cli_signing import PASSPHRASES
from tests.e2e.test_cli_story import issue_args

HOLDER = resident_id(serial=31)


def modes(home: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for path in home.rglob("*"):
        found[str(path.relative_to(home))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_the_home_and_everything_the_command_writes_in_it_are_the_owners_alone(tmp_path: Path) -> None:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    r = cli(*issue_args("1915010000000001", "欧阳明", "男", HOLDER, "电工", "三级", "2019-01-01"))
    assert r.code == 0, r.err
    writer = sqlite3.connect(cli.db)  # hold the store open in WAL mode while the command writes, so -wal/-shm exist
    writer.execute("SELECT count(*) FROM stored_events").fetchall()
    assert cli("prove", "1915010000000001", "--kind", "written", "--reason", "lost").code == 0
    assert cli("audit", "checkpoint").code == 0
    found = modes(cli.home)
    writer.close()
    assert {"ledger.sqlite", "config.json", "keys", "keys/root.key.pem", "trust-list.jws"} <= set(found)
    assert found["."] == 0o700 and found["keys"] == 0o700
    # Only public material is 0644 (certificates, certificate requests, the log's verifier key: written so on
    # purpose), and it sits in the 0700 key directory.
    public = (".cert.pem", ".csr.pem", "log.vkey")
    assert {name: mode for name, mode in found.items() if mode & 0o077 and not name.endswith(public)} == {}
    assert {"ledger.sqlite-wal", "ledger.sqlite-shm"} <= set(found)
    for name, mode in found.items():
        if name.startswith("ledger.sqlite"):
            assert mode == 0o600, name


def test_an_existing_home_open_to_others_is_tightened_and_the_command_says_so(tmp_path: Path) -> None:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path)
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    os.chmod(cli.home, 0o755)  # as the previous main made them
    os.chmod(cli.db, 0o644)
    r = cli("catalog", "show")
    assert r.code == 0, r.err
    assert f"{cli.home} was open to group or others (mode 0755); tightened to 0700" in r.err
    assert f"{cli.db} was open to group or others (mode 0644); tightened to 0600" in r.err
    assert stat.S_IMODE(cli.home.stat().st_mode) == 0o700 and stat.S_IMODE(cli.db.stat().st_mode) == 0o600
    assert "tightened" not in cli("catalog", "show").err  # once


def test_a_one_character_passphrase_is_refused_for_new_keys_and_nothing_is_made(tmp_path: Path) -> None:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path,
              extra_env={"CERTLEDGER_KEY_PASSPHRASE": "x", "CERTLEDGER_ROOT_PASSPHRASE": "y"})
    r = cli("init", "--office", "1501", "--operator", "张三")  # init makes the root: refused, nothing made
    assert r.code == 11 and "root passphrase: too short (1 characters)" in r.err and "Traceback" not in r.err
    assert not (cli.home / "keys" / "root.key.pem").exists()
    assert not list((cli.home / "keys").glob("*.key.pem")) if (cli.home / "keys").exists() else True


def test_keys_rewrap_seals_old_files_and_a_wrong_passphrase_leaves_them_untouched(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from keys.sealed import is_legacy, open_private_key

    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    keys = cli.home / "keys"
    for path, secret in ((keys / "root.key.pem", PASSPHRASES["CERTLEDGER_ROOT_PASSPHRASE"]),
                         (next(p for p in keys.glob("????????????????.key.pem")),
                          PASSPHRASES["CERTLEDGER_KEY_PASSPHRASE"])):
        key = open_private_key(path.read_bytes(), secret, path.name)  # as the previous main wrote it
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.BestAvailableEncryption(secret.encode())))
    old = {p.name: p.read_bytes() for p in keys.glob("*.key.pem")}
    r = cli(*issue_args("1915010000000901", "王五", "男", resident_id(serial=9), "焊工", "三级", "2019-06-01"))
    assert r.code == 0, r.err
    r = cli("ecert", "1915010000000901", "--out", str(tmp_path / "e.pdf"))  # the old files still work, with a warning
    assert r.code == 0 and "warning: signing key" in r.err and "keys rewrap" in r.err, r.err

    wrong = cli.__class__(cli.home, cli.cwd, extra_env={**PASSPHRASES, "CERTLEDGER_ROOT_PASSPHRASE": "guess"})
    r = wrong("keys", "rewrap", "root.key.pem")
    assert r.code == 11 and "wrong passphrase" in r.err
    assert (keys / "root.key.pem").read_bytes() == old["root.key.pem"]

    r = cli("--json", "keys", "rewrap")
    assert r.code == 0, r.err
    was = sorted(d["was"] for d in r.json())  # type: ignore[union-attr]
    assert was == ["pkcs8", "pkcs8", "scrypt n=16384, r=8, p=1"]  # the root and the office key; the publisher's
    assert not any(is_legacy(p.read_bytes()) for p in keys.glob("*.key.pem"))
    assert {stat.S_IMODE(p.stat().st_mode) for p in keys.iterdir() if p.name.endswith(".key.pem")} == {0o600}
    assert sorted(p.name for p in keys.iterdir() if p.name.startswith(".")) == []
    r = cli("ecert", "1915010000000901", "--out", str(tmp_path / "e2.pdf"))
    assert r.code == 0 and "warning" not in r.err, r.err


def _raw_sqlite(cli: Cli) -> bytes:
    return b"".join(p.read_bytes() for p in cli.home.glob("ledger.sqlite*"))


def test_with_a_cipher_key_the_id_number_is_not_in_the_sqlite_files(tmp_path: Path) -> None:
    for cipher in (AESCipher.create_key(32), None):
        cli = Cli(home=tmp_path / f"home-{bool(cipher)}", cwd=tmp_path,
                  extra_env={"CERTLEDGER_CIPHER_KEY": cipher} if cipher else {})
        assert cli("init", "--office", "1501", "--operator", "张三").code == 0
        assert cli(*issue_args("1915010000000001", "欧阳明", "男", HOLDER, "电工", "三级", "2019-01-01")).code == 0
        assert cli("--json", "show", "1915010000000001", "--reveal").json()["data"]["id_number"] == HOLDER  # type: ignore[index]
        assert (HOLDER.encode() in _raw_sqlite(cli)) is (cipher is None)  # the control: without it, in clear


@on_backends("postgres")
def test_with_a_cipher_key_the_id_number_is_not_in_the_postgres_rows(backend: Backend, tmp_path: Path) -> None:
    cli = postgres_cli(backend, tmp_path, "pg")
    cli.extra_env["CERTLEDGER_CIPHER_KEY"] = AESCipher.create_key(32)
    assert cli("init", "--office", "1501", "--operator", "张三", "--store", "postgres").code == 0
    assert cli(*issue_args("1915010000000001", "欧阳明", "男", HOLDER, "电工", "三级", "2019-01-01")).code == 0
    assert cli("--json", "show", "1915010000000001", "--reveal").json()["data"]["id_number"] == HOLDER  # type: ignore[index]
    env = backend.env
    with psycopg.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DBNAME"]) as conn:
        table = sql.Identifier(env["POSTGRES_SCHEMA"], "certledger_events")
        states = [bytes(s) for (s,) in conn.execute(sql.SQL("SELECT state FROM {}").format(table)).fetchall()]
    assert len(states) >= 2
    assert not any(HOLDER.encode() in s or "欧阳明".encode() in s for s in states)
    plain = postgres_cli(backend, tmp_path, "plain")  # the control: the same ledger read without the key fails
    assert plain("show", "1915010000000001").code != 0


def test_audit_repair_through_the_command(tmp_path: Path) -> None:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    assert cli(*issue_args("1915010000000001", "欧阳明", "男", HOLDER, "电工", "三级", "2019-01-01")).code == 0
    with sqlite3.connect(cli.db) as conn:  # a row no save wrote: another certificate's issuance, a new aggregate
        _, oid, version, topic, state = conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE topic LIKE '%Issued' ORDER BY rowid DESC LIMIT 1").fetchone()
        state = bytes(state).replace(b"1915010000000001", b"1915010000000009")
        conn.execute("INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                     "VALUES (?, ?, ?, ?)", ("0" * 31 + "1", version, topic, state))
        forged = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
    assert cli(*issue_args("1915010000000002", "欧阳亮", "男", resident_id(serial=32), "电工", "三级",
                           "2019-01-01")).code == 0  # an ordinary write
    assert cli("audit", "checkpoint").code == 0
    r = cli("audit", "verify")
    assert r.code == 13 and f"notification {forged}" in r.out and "no save wrote it" in r.out

    listed = cli("--json", "audit", "repair")
    assert listed.code == 0 and [u["notification_id"] for u in listed.json()["unlogged"]] == [forged]  # type: ignore[index]
    assert cli("audit", "verify").code == 13  # listing wrote nothing
    r = cli("audit", "repair", "--yes")
    assert r.code == 3 and "--reason" in r.err
    r = cli("--json", "audit", "repair", "--yes", "--reason", "断电后补录", "--only", str(forged))
    assert r.code == 0, r.err
    assert r.json()["notification_ids"] == [forged] and r.json()["operator"] == "张三"  # type: ignore[index]
    r = cli("audit", "verify")
    assert r.code == 0, r.out
    assert "brought in by repair 1 (张三 @ 1501" in r.out
    assert "brought into the log by repair 1" not in cli("history", "1915010000000001").out  # not that one's

    bundle = tmp_path / "bundle.jsonl.gz"  # the offline audit holds the repair to the same checks
    assert cli("audit", "export", "--out", str(bundle)).code == 0
    offline = Cli(home=tmp_path / "elsewhere", cwd=tmp_path)
    r = offline("--json", "audit", "verify", "--bundle", str(bundle), "--root",
                str(cli.home / "keys" / "root.cert.pem"))
    assert r.code == 0, r.out
    assert [b["notification_id"] for b in r.json()["brought_in"]] == [forged]  # type: ignore[index]
