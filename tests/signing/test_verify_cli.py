"""`certledger verify-pdf` on hostile files, through the installed command: every forgery exits 12 naming
the failed check, and no library's log output (pyHanko's tracebacks) reaches the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args
from tests.signing.conftest import signed_by_a_stranger

PASSPHRASES = {"CERTLEDGER_KEY_PASSPHRASE": "office-secret-1501", "CERTLEDGER_ROOT_PASSPHRASE": "root-secret-1501",
               "CERTLEDGER_PUBLISHER_PASSPHRASE": "publisher-secret-1501",
               "CERTLEDGER_LOG_KEY_PASSPHRASE": "log-key-secret-1501"}


@pytest.fixture(scope="module")
def proved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, bytes]:
    tmp = tmp_path_factory.mktemp("verify-cli")
    cli = Cli(home=tmp / "home", cwd=tmp, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    assert cli(*issue_args("1915010000000100", "王五", "男", resident_id(serial=1), "电工", "三级",
                           "2019-06-01")).code == 0
    out = tmp / "proof.pdf"
    assert cli("prove", "1915010000000100", "--kind", "written", "--out", str(out)).code == 0
    return cli, out.read_bytes()


def _flipped_signature_value(pdf: bytes) -> bytes:
    data = bytearray(pdf)
    at = data.index(b"/Contents <") + len(b"/Contents <") + 2  # in the CMS structure's first bytes
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    return bytes(data)


@pytest.mark.parametrize("forge", [_flipped_signature_value, lambda pdf: pdf[: pdf.rindex(b"startxref")],
                                   lambda pdf: pdf[: len(pdf) // 2]],
                         ids=["flipped-signature-value", "truncated-tail", "half"])
def test_a_file_that_starts_as_a_pdf_but_cannot_be_read_fails_the_format_check(
        proved: tuple[Cli, bytes], tmp_path: Path, forge) -> None:  # type: ignore[no-untyped-def]
    cli, pdf = proved
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(forge(pdf))
    r = cli("verify-pdf", str(bad))
    assert r.code == 12, (r.out, r.err)
    assert "FAIL  format" in r.out and "NOT VALID: format: unreadable PDF" in r.out
    assert "Traceback" not in r.err and "Traceback" not in r.out


def test_a_forged_signature_prints_no_library_log_output(proved: tuple[Cli, bytes], tmp_path: Path) -> None:
    cli, pdf = proved
    data = bytearray(pdf)
    data[data.index(b"stream\n", 200) + 30] ^= 0x01  # a signed byte: the signature no longer holds
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    r = cli("verify-pdf", str(bad))
    assert r.code == 12 and "FAIL  signature" in r.out
    assert r.err == "", r.err


def test_a_file_signed_by_a_stranger_fails_the_chain_and_prints_no_traceback(proved: tuple[Cli, bytes],
                                                                            tmp_path: Path) -> None:
    cli, _ = proved
    bad = tmp_path / "stranger.pdf"
    bad.write_bytes(signed_by_a_stranger())
    r = cli("verify-pdf", str(bad))
    assert r.code == 12 and "FAIL  chain" in r.out, (r.out, r.err)
    assert r.err == "", r.err  # pyHanko logs the failed path validation with its traceback
