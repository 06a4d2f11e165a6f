"""`prove --out` with CERTLEDGER_TSA_URL through the installed command: a PAdES B-T proof from a real (OpenSSL)
timestamp authority; with the TSA down, a clear error naming it, no file, and nothing recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args
from tests.signing.test_timestamps import signer_info, timestamp_token
from tests.signing.tsa import running_tsa


def test_a_proof_signed_with_a_tsa_carries_its_token_and_a_dead_tsa_records_nothing(
        shandong: Cli, resident_id: Callable[[str], str], tmp_path: Path) -> None:
    cli = shandong
    for number in ("1915010000123456", "1915010000123457"):
        assert cli(*issue_args(number, "王五", "男", resident_id("37012419900101123"), "电工", "三级",
                               "2019-06-01")).code == 0
    with running_tsa() as tsa:
        stamped = Cli(cli.home, cli.cwd, extra_env={"CERTLEDGER_TSA_URL": tsa.url})
        r = stamped("prove", "1915010000123456", "--kind", "written", "--reason", "lost",
                    "--out", str(tmp_path / "b-t.pdf"))
        assert r.code == 0, r.err
        dead_url = tsa.url
    assert len(tsa.requests) == 1
    assert timestamp_token(signer_info((tmp_path / "b-t.pdf").read_bytes())) is not None
    assert cli("verify-pdf", str(tmp_path / "b-t.pdf")).code == 0

    before = cli.rows()
    dead = Cli(cli.home, cli.cwd, extra_env={"CERTLEDGER_TSA_URL": dead_url})  # its server has stopped
    r = dead("prove", "1915010000123457", "--kind", "written", "--reason", "lost", "--out", str(tmp_path / "x.pdf"))
    assert r.code != 0 and dead_url in r.err and "nothing was signed" in r.err, r.err
    assert "Traceback" not in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "x.pdf").exists() and not list(tmp_path.glob(".x.pdf*"))
    assert cli.rows() == before
