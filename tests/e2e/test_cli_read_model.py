"""`certledger audit verify` names a tampered verification row; `audit rebuild-views` restores it."""

from __future__ import annotations

import sqlite3

from tests.e2e.conftest import Cli
from tests.e2e.test_cli_audit import office  # noqa: F401  # the fixture: a small signed ledger


def test_a_tampered_row_fails_the_audit_until_the_views_are_rebuilt(office: Cli) -> None:  # noqa: F811
    with sqlite3.connect(office.home / "ledger.sqlite") as conn:
        conn.execute("UPDATE verify_documents SET state = 'revoked' WHERE reference = '1915010000000300#1'")
    r = office("--json", "audit", "verify")
    assert r.code == 13 and not r.json()["ok"]
    named = [d for d in r.json()["divergences"] if d["aggregate"] == "1915010000000300#1"]
    assert named and "verification read model" in named[0]["description"] and "state" in named[0]["problem"]
    r = office("--json", "audit", "rebuild-views")
    assert r.code == 0 and r.json()["documents"] == 4  # three certificates, one reissued: four editions
    assert office("--json", "audit", "verify").json()["ok"]
