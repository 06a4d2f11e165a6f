"""A Liaoning provincial office (0700, 省本级) with seed 001's welder certificate (焊工 四级, still in the
catalog, so reissued under its number) and its head, clerk and reviewer: made by the installed command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import resident_id
from tests.e2e.conftest import Cli

WELDER_LN = "1807000000103353"  # seed 001's example number
HOLDER_LN = resident_id(date(1990, 4, 18), region="210102", serial=7)
DELEGATE_LN = resident_id(date(1983, 1, 27), region="210104", serial=40, male=False)
LN_HEAD, LN_CLERK, LN_REVIEWER = "李强", "刘洋", "王芳"
LN_CLERK_PASSWORD, LN_REVIEWER_PASSWORD = "window-clerk-secret-0700", "desk-reviewer-secret-0700"


def make_liaoning_home(root: Path) -> Path:
    cli = Cli(root / "home", root)
    for args in (("init", "--office", "0700", "--operator", LN_HEAD),
                 ("issue", "--number", WELDER_LN, "--name", "张伟", "--gender", "男", "--id-number", HOLDER_LN,
                  "--occupation", "焊工", "--level", "四级", "--theory", "81", "--practical", "90",
                  "--date", "2018-07-12"),
                 ("console", "account", "add", "--username", LN_HEAD, "--role", "head")):
        r = cli(*args)
        assert r.code == 0, r.err
    for name, role, password in ((LN_CLERK, "clerk", LN_CLERK_PASSWORD),
                                 (LN_REVIEWER, "reviewer", LN_REVIEWER_PASSWORD)):
        staff = Cli(cli.home, root, {"CERTLEDGER_NEW_OPERATOR_PASSPHRASE": password})
        r = staff("console", "account", "add", "--username", name, "--role", role)
        assert r.code == 0, r.err
    return cli.home
