"""The quick dispatch of `show`, `where` and `history` (cli.quick): their plain form runs without typer, and
prints, fails and exits exactly as the command tree does for the same arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.quick import QuickRun, parse
from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args

# One run of `certledger ARGS...`: through the quick dispatch ("quick") or the command tree ("tree"); prints on
# stderr, last, whether typer was imported.
RUN = """
import sys

mode, args = sys.argv[1], sys.argv[2:]
sys.argv = ["certledger", *args]
try:
    if mode == "quick":
        from cli.main import run

        run()
    else:
        from cli.main import nouns_for
        from cli.tree import build

        build(nouns_for(args))()  # what cli.main.run did for every command
finally:
    print("typer imported:", "typer" in sys.modules, "pydantic imported:", "pydantic" in sys.modules, file=sys.stderr)
"""


def test_only_the_plain_form_is_read_quickly() -> None:
    assert parse(["show", "1915010000000100"]) == QuickRun("show", "1915010000000100", False, None, None, None)
    assert parse(["--json", "--home", "h", "--office", "1501", "--operator", "张三", "where", "SM-1"]) == \
        QuickRun("where", "SM-1", True, Path("h"), "1501", "张三")
    for argv in (["show", "1", "--reveal"], ["show", "--edition", "2", "1"], ["history", "1", "--as-of", "2020-01-01"],
                 ["show"], ["show", "--help"], ["--home=h", "show", "1"], ["--home", "--json", "show", "1"],
                 ["issue", "1"], ["show", "1", "2"], ["--verbose", "show", "1"], []):
        assert parse(argv) is None, argv


HOLDER_ID = resident_id(serial=3)


@pytest.fixture
def office(tmp_path: Path) -> Cli:
    cli = Cli(home=tmp_path / "home", cwd=tmp_path)
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    args = issue_args("1915010000000100", "王五", "男", HOLDER_ID, "电工", "三级", "2019-06-01")
    assert cli(*args).code == 0
    assert cli("prove", "1915010000000100", "--kind", "written", "--reason", "lost").code == 0
    return cli


def _run(office: Cli, mode: str, *args: str, **env: str) -> tuple[int, str, str, bool]:
    proc = subprocess.run([sys.executable, "-c", RUN, mode, *args], cwd=office.cwd, env={**office.env(), **env},
                          capture_output=True, text=True, timeout=120)
    err, _, flag = proc.stderr.rstrip("\n").rpartition("\n") if "\n" in proc.stderr.rstrip("\n") else \
        ("", "", proc.stderr.rstrip("\n"))
    return proc.returncode, proc.stdout, err, flag.split()[2] == "True"


def _pydantic(office: Cli, *args: str, **env: str) -> bool:
    proc = subprocess.run([sys.executable, "-c", RUN, "quick", *args], cwd=office.cwd, env={**office.env(), **env},
                          capture_output=True, text=True, timeout=120)
    return proc.stderr.rstrip("\n").rpartition("\n")[2].endswith("True")


@pytest.mark.parametrize("args", [
    ("show", "1915010000000100"), ("--json", "show", "1915010000000100"), ("where", "1915010000000100"),
    ("--json", "history", "1915010000000100"), ("history", "SM-1915010000000100-01"),
    ("show", "1915010000009999"), ("--json", "where", "not-a-number"),
])
def test_the_quick_path_answers_as_the_tree_does_without_typer(office: Cli, args: tuple[str, ...]) -> None:
    code, out, err, typer_loaded = _run(office, "quick", *args)
    tree_code, tree_out, tree_err, tree_typer = _run(office, "tree", *args)
    assert tree_typer and not typer_loaded
    assert (code, out, err) == (tree_code, tree_out, tree_err)
    assert HOLDER_ID not in out and HOLDER_ID[6:14] not in out  # the ID number masked on both paths
    assert "Traceback" not in err


def test_the_plain_settings_leave_pydantic_out(office: Cli) -> None:
    assert not _pydantic(office, "show", "1915010000000100")
    assert not _pydantic(office, "history", "1915010000000100", CERTLEDGER_TRANSPARENCY_LOG="yes")
    assert _pydantic(office, "show", "1915010000000100", CERTLEDGER_LOCK_TIMEOUT="ten")  # not plain: the full reader


@pytest.mark.parametrize("env", [
    {"CERTLEDGER_STORE": "oracle"}, {"CERTLEDGER_LOCK_TIMEOUT": "ten"}, {"CERTLEDGER_TRANSPARENCY_LOG": "maybe"},
    {"CERTLEDGER_LOCK_TIMEOUT": "3", "certledger_transparency_log": "0"}, {"CERTLEDGER_SQLITE_PATH": "elsewhere.db"},
    {"CERTLEDGER_BLOBS_DIR": "nowhere"},
])
def test_the_plain_settings_fail_and_answer_as_the_full_ones(office: Cli, env: dict[str, str]) -> None:
    for args in (("show", "1915010000000100"), ("--json", "where", "1915010000000100")):
        code, out, err, _ = _run(office, "quick", *args, **env)
        assert (code, out, err) == _run(office, "tree", *args, **env)[:3]
        assert "Traceback" not in err


def test_a_sealed_store_answers_the_same_on_both_paths(tmp_path: Path) -> None:
    import base64

    key = {"CERTLEDGER_CIPHER_KEY": base64.b64encode(bytes(range(32))).decode()}
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=key)
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    args = issue_args("1915010000000100", "王五", "男", HOLDER_ID, "电工", "三级", "2019-06-01")
    assert cli(*args).code == 0
    for args in (("show", "1915010000000100"), ("--json", "history", "1915010000000100")):
        code, out, err, _ = _run(cli, "quick", *args)
        assert code == 0 and ("王五" in out) == (args[0] == "show")
        assert (code, out, err) == _run(cli, "tree", *args)[:3]
        unkeyed = _run(cli, "quick", *args, CERTLEDGER_CIPHER_KEY="")  # an empty key is none: nothing opens
        assert unkeyed[0] != 0 and unkeyed[:3] == _run(cli, "tree", *args, CERTLEDGER_CIPHER_KEY="")[:3]
