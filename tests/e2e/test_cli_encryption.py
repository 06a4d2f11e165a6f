"""Personal data encrypted at rest when a key is configured."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.cryptography import AESCipher

from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args


def stored_bytes(cli: Cli) -> bytes:
    return b"".join(bytes(row[3]) for row in cli.rows()) + Path(cli.db).read_bytes()


def test_with_a_cipher_key_no_name_or_id_number_is_readable_in_the_store(tmp_path: Path) -> None:
    holder = resident_id()
    key = AESCipher.create_key(32)
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env={"CERTLEDGER_CIPHER_KEY": key})
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli(*issue_args("1915010000000001", "欧阳明", "男", holder, "电工", "三级", "2019-01-01")).code == 0
    assert cli("--json", "show", "1915010000000001", "--reveal").json()["data"]["id_number"] == holder

    raw = stored_bytes(cli)
    for secret in (holder, "欧阳明", "\\u6b27\\u9633\\u660e"):  # the JSON escapes of the name too
        assert secret.encode() not in raw

    # Without the key the ledger cannot be read, and says so in one line.
    blind = Cli(home=tmp_path / "home", cwd=tmp_path)
    r = blind("show", "1915010000000001")
    assert r.code != 0 and "Traceback" not in r.err and r.err.count("\n") == 1


def test_without_a_cipher_key_the_same_data_is_plain(tmp_path: Path) -> None:
    holder = resident_id()
    cli = Cli(home=tmp_path / "home", cwd=tmp_path)
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli(*issue_args("1915010000000001", "欧阳明", "男", holder, "电工", "三级", "2019-01-01")).code == 0
    assert holder.encode() in stored_bytes(cli)  # the control: the check above can fail
