"""The log key and the checkpoint history through the command: made once, never replaced behind the history's back,
and a history that went missing is named by the audit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_signing import PASSPHRASES
from tests.e2e.test_cli_story import issue_args


@pytest.fixture
def office(tmp_path: Path) -> Cli:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli(*issue_args("1915010000000701", "王五", "男", resident_id(), "焊工", "三级", "2019-06-01")).code == 0
    return cli


def test_the_log_key_is_made_once_encrypted_and_printed_as_a_note_verifier_key(office: Cli) -> None:
    r = office("audit", "log-key")
    assert r.code == 11 and "no log key" in r.err
    r = office("--json", "audit", "log-key", "--init", "--origin", "logs.example.org/certledger")
    assert r.code == 0, r.err
    vkey = r.json()["vkey"]  # type: ignore[index]
    assert vkey.startswith("logs.example.org/certledger+") and vkey.count("+") >= 2
    assert office("audit", "log-key").out.strip() == vkey
    key_file = office.home / "keys" / "log.key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert b"CERTLEDGER SEALED PRIVATE KEY" in key_file.read_bytes()  # scrypt, AES-GCM
    again = office("audit", "log-key", "--init")
    assert again.code == 11 and "never replaced" in again.err
    wrong = Cli(office.home, office.cwd, {**office.extra_env, "CERTLEDGER_LOG_KEY_PASSPHRASE": "not-it"})
    r = wrong("audit", "checkpoint")
    assert r.code == 11 and "wrong passphrase for the log key" in r.err


def test_a_lost_log_key_is_not_replaced_by_a_new_one_once_the_history_exists(office: Cli) -> None:
    assert office("audit", "checkpoint").code == 0  # the first checkpoint makes the key
    for name in ("log.key.pem", "log.vkey"):
        (office.home / "keys" / name).unlink()
    r = office("audit", "checkpoint")
    assert r.code == 11 and "has signed checkpoints before" in r.err, r.err


def test_a_missing_history_is_named_while_the_store_holds_checkpoint_notes(office: Cli) -> None:
    assert office("audit", "checkpoint").code == 0
    assert office("audit", "verify").code == 0
    (office.home / "checkpoints" / "history").unlink()
    r = office("audit", "verify")
    assert r.code == 13 and "is missing or empty" in r.out, r.out


def test_an_offline_bundle_is_checked_against_a_checkpoint_file_with_the_pinned_log_key(office: Cli,
                                                                                        tmp_path: Path) -> None:
    assert office("keys", "init").code == 0
    assert office("audit", "checkpoint", "--out", str(tmp_path / "kept.note")).code == 0
    assert office("audit", "export", "--out", str(tmp_path / "bundle.gz")).code == 0
    vkey = office("audit", "log-key").out.strip()
    offline = Cli(home=tmp_path / "elsewhere", cwd=tmp_path)  # no database, no key store
    args = ["audit", "verify", "--bundle", str(tmp_path / "bundle.gz"), "--root",
            str(office.home / "keys" / "root.cert.pem"), "--log-key", vkey]
    r = offline("--json", *args, "--checkpoint", str(tmp_path / "kept.note"))
    assert r.code == 0 and r.json()["anchors"] == 1 and r.json()["checkpoints"] == 1, r.out  # type: ignore[index]
    other = Cli(home=tmp_path / "other", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert other("audit", "log-key", "--init", "--origin", vkey.split("+")[0]).code == 0  # same name, another key
    r = offline(*args[:-1], other("audit", "log-key").out.strip())
    assert r.code == 13 and "does not verify" in r.out, r.out
