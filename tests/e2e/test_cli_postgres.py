"""The installed command on a shared PostgreSQL ledger, as several offices would use it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Backend, on_backends, resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args


def postgres_cli(backend: Backend, tmp_path: Path, name: str) -> Cli:
    settings = {f"CERTLEDGER_{k}": v for k, v in backend.env.items() if k.startswith("POSTGRES_")}
    return Cli(home=tmp_path / name, cwd=tmp_path, extra_env={"CERTLEDGER_STORE": "postgres", **settings})


@on_backends("postgres")
def test_two_offices_share_one_postgres_ledger_and_race_without_errors(backend: Backend, tmp_path: Path) -> None:
    jinan, qingdao = postgres_cli(backend, tmp_path, "jinan"), postgres_cli(backend, tmp_path, "qingdao")
    assert jinan("init", "--office", "1501", "--operator", "张三", "--store", "postgres").code == 0
    # One deployment root certifies both offices' keys (until the root's keeper certifies requests: issue 12).
    (qingdao.home / "keys").mkdir(mode=0o700, parents=True)
    for name in ("root.key.pem", "root.cert.pem"):
        shutil.copy2(jinan.home / "keys" / name, qingdao.home / "keys" / name)
    assert qingdao("init", "--office", "1502", "--operator", "李四", "--store", "postgres").code == 0

    # Each office issues its own; each sees the other's (one ledger).
    assert jinan(*issue_args("1915010000000001", "甲", "男", resident_id(), "电工", "三级", "2019-01-01")).code == 0
    assert qingdao(*issue_args("1915020000000002", "乙", "男", resident_id(), "焊工", "三级", "2019-01-01")).code == 0
    assert jinan("--json", "show", "1915020000000002").json()["authority"]["code"] == "1502"

    # Many processes opening the store at once: none trips over the schema (tables exist since init).
    readers = [jinan.popen("show", "1915010000000001") for _ in range(4)]
    writers = [jinan.popen("issue", *issue_args(f"19150100000001{i:02d}", "丙", "男", resident_id(), "电工", "三级",
                                                "2019-01-01")[1:]) for i in range(3)]
    for proc in readers + writers:
        assert proc.wait(timeout=60) == 0, proc.stderr.read()  # type: ignore[union-attr]

    # Two offices' clerks issuing the same number at once: the store lets exactly one win.
    racers = [jinan.popen("issue", *issue_args("1915010000000999", f"丁{i}", "男", resident_id(), "电工", "三级",
                                               "2019-01-01")[1:]) for i in range(2)]
    assert sorted(p.wait(timeout=60) for p in racers) == [0, 6]
    loser = next(p for p in racers if p.returncode == 6)
    assert "1915010000000999" in loser.stderr.read()  # type: ignore[union-attr]  # the conflict names the number
