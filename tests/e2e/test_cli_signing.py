"""Signed documents through the installed command: keys, proofs, e-certificates, batches, verification."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args

PASSPHRASES = {"CERTLEDGER_KEY_PASSPHRASE": "office-secret-1501", "CERTLEDGER_ROOT_PASSPHRASE": "root-secret-1501",
               "CERTLEDGER_PUBLISHER_PASSPHRASE": "publisher-secret-1501",
               "CERTLEDGER_LOG_KEY_PASSPHRASE": "log-key-secret-1501"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def office(tmp_path: Path) -> Cli:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    r = cli("keys", "init")
    assert r.code == 0, r.err
    for i, occupation in enumerate(("电工", "电工", "焊工", "电工")):
        args = issue_args(f"19150100000001{i:02d}", "王五", "男", resident_id(serial=i), occupation, "三级",
                          "2019-06-01")
        assert cli(*args).code == 0
    return cli


def test_private_keys_are_encrypted_owner_only_and_ignored_by_git(office: Cli) -> None:
    keys = sorted((office.home / "keys").glob("*.key.pem"))
    assert len(keys) == 3  # the deployment root, the trust-list publisher and the office key
    for key in keys:
        assert key.stat().st_mode & 0o777 == 0o600
        assert key.read_bytes().startswith(b"-----BEGIN CERTLEDGER SEALED PRIVATE KEY-----")  # scrypt, AES-GCM
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", ".certledger/keys/x.key.pem"])
    assert ignored.returncode == 0


def test_a_signed_proof_verifies_and_a_tampered_copy_names_the_failed_check(office: Cli, tmp_path: Path) -> None:
    out = tmp_path / "proof.pdf"
    signed = office("--json", "prove", "1915010000000100", "--kind", "written", "--out", str(out))
    assert signed.code == 0, signed.err
    assert signed.json()["document"] == "SM-1915010000000100-01"
    ok = office("verify-pdf", str(out))
    assert ok.code == 0 and ok.out.count("PASS") == 7 and "genuine and current" in ok.out

    data = bytearray(out.read_bytes())
    data[data.index(b"stream\n", 200) + 30] ^= 0x01
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    r = office("--json", "verify-pdf", str(bad))
    assert r.code == 12
    first = next(c for c in r.json()["checks"] if not c["ok"])
    assert first["check"] == "signature"


def test_a_file_that_is_not_a_pdf_is_a_clear_error(office: Cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_text("hello")
    r = office("verify-pdf", str(junk))
    assert r.code == 3 and r.err.startswith("error: not a PDF") and "Traceback" not in r.err


def test_a_wrong_passphrase_is_one_line_and_writes_nothing(office: Cli, tmp_path: Path) -> None:
    assert office("prove", "1915010000000100", "--out", str(tmp_path / "ok.pdf")).code == 0  # the right one works
    wrong = Cli(office.home, office.cwd, extra_env={**PASSPHRASES, "CERTLEDGER_KEY_PASSPHRASE": "guess"})
    out2 = tmp_path / "never2.pdf"
    before = office.rows()
    r = wrong("prove", "1915010000000101", "--out", str(out2))
    assert r.code == 11 and "passphrase" in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err
    assert office.rows() == before and not out2.exists()


def test_an_ecert_of_a_reissued_certificate_verifies_and_the_old_one_shows_superseded(office: Cli,
                                                                                      tmp_path: Path) -> None:
    old, new = tmp_path / "e1.pdf", tmp_path / "e2.pdf"
    assert office("ecert", "1915010000000102", "--out", str(old)).code == 0
    assert office("reissue", "1915010000000102").code == 0
    assert office("ecert", "1915010000000102", "--out", str(new)).code == 0
    assert office("verify-pdf", str(new)).code == 0
    r = office("--json", "verify-pdf", str(old))
    assert r.code == 12
    status = next(c for c in r.json()["checks"] if c["check"] == "status")
    assert not status["ok"] and "superseded by 1915010000000102#2" in status["detail"]


def test_a_batch_signs_every_row_or_none(office: Cli, tmp_path: Path) -> None:
    good = tmp_path / "batch.csv"
    good.write_text("number,kind,reason\n1915010000000100,written,lost\n1915010000000101,written,overseas\n"
                    "1915010000000103,written,lost\n", encoding="utf-8")
    r = office("--json", "prove-batch", str(good), "--out-dir", str(tmp_path / "out"), "--workers", "2")
    assert r.code == 0, r.err
    files = sorted((tmp_path / "out").glob("*.pdf"))
    assert [f.name for f in files] == [f"SM-19150100000001{i}-01.pdf" for i in ("00", "01", "03")]
    assert all(office("verify-pdf", str(f)).code == 0 for f in files)

    bad = tmp_path / "bad.csv"  # row 3: a welder is reissued, not proved
    bad.write_text("number\n1915010000000100\n1915010000000102\n", encoding="utf-8")
    before = office.rows()
    r = office("prove-batch", str(bad), "--out-dir", str(tmp_path / "out2"))
    assert r.code == 8 and "row 3" in r.err and "occupation-in-catalog" in r.err
    assert office.rows() == before and not (tmp_path / "out2").exists()


@pytest.mark.parametrize("command", ["prove", "prove-batch"])
def test_a_place_where_no_file_can_be_written_is_refused_before_anything_is_recorded(
        office: Cli, tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "a-file"  # a file where a directory should be: nothing can be written under it
    blocker.write_text("x")
    batch = tmp_path / "batch.csv"
    batch.write_text("number\n1915010000000100\n", encoding="utf-8")
    if command == "prove":
        args, option = ("prove", "1915010000000100", "--out", str(blocker / "proof.pdf")), "--out"
    else:
        args, option = ("prove-batch", str(batch), "--out-dir", str(blocker)), "--out-dir"
    before = office.rows()
    r = office(*args)
    assert r.code == 3 and r.err.startswith(f"error: {option}: cannot write") and "Traceback" not in r.err, r.err
    assert office.rows() == before  # no signed document without its file
    # A directory where the file should go is refused the same way.
    (tmp_path / "SM-1915010000000100-01.pdf").mkdir()
    args = (("prove", "1915010000000100", "--out", str(tmp_path / "SM-1915010000000100-01.pdf"))
            if command == "prove" else ("prove-batch", str(batch), "--out-dir", str(tmp_path)))
    r = office(*args)
    assert r.code == 3 and f"error: {option}: cannot write" in r.err and office.rows() == before, r.err
    assert office("prove-batch", str(batch), "--out-dir", str(tmp_path / "out")).code == 0  # and a good place works
    assert not list((tmp_path / "out").glob(".*.tmp"))


# `certledger` with the CJK font's default path pointing at nothing (the font package not installed). The parent
# builds the one signer its forked workers inherit, so the font is loaded there, once, before any worker starts
# (workers that each loaded their own printed one traceback per worker on a fresh machine).
WITHOUT_FONT = """
import sys
from pathlib import Path

import signing.fonts
import signing.render  # binds the real load_font, which the renderer the parent builds calls

signing.fonts.DEFAULT_FONT_PATH = Path(sys.argv[1])
sys.argv = ["certledger", *sys.argv[2:]]
from cli.main import run

run()
"""


def test_a_missing_cjk_font_is_one_error_before_the_workers_start(office: Cli, tmp_path: Path) -> None:
    batch = tmp_path / "batch.csv"
    batch.write_text("number\n1915010000000100\n1915010000000101\n", encoding="utf-8")

    def prove_batch(out: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", WITHOUT_FONT, str(tmp_path / "no-such-font.ttc"),
                               "prove-batch", str(batch), "--out-dir", str(out), "--workers", "2"],
                              cwd=office.cwd, env=office.env(), capture_output=True, text=True, timeout=120)

    before = office.rows()
    r = prove_batch(tmp_path / "out")
    assert r.returncode == 3, r.stderr
    assert r.stderr.startswith("error: CJK font not found at") and "fonts-wqy-microhei" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert office.rows() == before and not list((tmp_path / "out").glob("*.pdf"))


def test_an_unreachable_timestamp_authority_is_one_line_naming_it_and_records_nothing(office: Cli,
                                                                                        tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/"
    tsa = Cli(office.home, office.cwd, extra_env={**PASSPHRASES, "CERTLEDGER_TSA_URL": url})
    before, out = office.rows(), tmp_path / "never.pdf"
    r = tsa("prove", "1915010000000100", "--out", str(out))
    assert r.code == 3 and r.err.startswith(f"error: the timestamp authority {url} gave no timestamp"), r.err
    assert r.err.count("\n") == 1 and office.rows() == before and not out.exists()


def test_rotation_keeps_old_documents_valid_and_revocation_fails_later_ones(office: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert office("prove", "1915010000000100", "--out", str(first)).code == 0
    old_kid = office("--json", "keys", "list").json()[0]["kid"]
    assert office("keys", "rotate").code == 0
    assert office("verify-pdf", str(first)).code == 0
    assert office("prove", "1915010000000101", "--out", str(second)).code == 0
    new_kid = next(k["kid"] for k in office("--json", "keys", "list").json() if k["status"] == "active")
    assert new_kid != old_kid
    signed_at = office("--json", "show", "SM-1915010000000101-01").json()["signatures"][0]["signed_at"]
    r = office("keys", "revoke", new_kid, "--compromised-at", signed_at, "--reason", "token stolen")
    assert r.code == 0, r.err
    assert office("verify-pdf", str(first)).code == 0  # signed by the retired key, before
    late = office("--json", "verify-pdf", str(second))
    assert late.code == 12
    assert next(c for c in late.json()["checks"] if not c["ok"])["check"] == "key_window"
