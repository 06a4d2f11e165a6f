"""The dependency direction DEVELOPERS.md fixes, read from the source (every import, even a local one).

ledger imports nothing of the project; signing and keys may read ledger's views and data but
never its application; nothing imports cli, verify_api or console (they wire things up); office (the office
server's accounts and signed files) is shared by cli and console.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("ledger", "signing", "keys", "formats", "config", "office", "cli", "verify_api", "console")


def imports(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every project import in a package."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            found += [(str(path.relative_to(ROOT)), n) for n in names if n.split(".")[0] in PROJECT]
    return found


@pytest.mark.parametrize(("package", "allowed"), [
    ("ledger", ("ledger",)),
    ("keys", ("keys", "ledger")),
    ("signing", ("signing", "keys", "ledger")),
    ("formats", ("formats", "ledger")),
    ("config", ("config",)),
    ("office", ("office", "ledger", "signing", "keys", "formats", "config")),
    ("cli", ("cli", "office", "ledger", "signing", "keys", "formats", "config")),
    ("verify_api", ("verify_api", "ledger", "signing", "keys", "formats", "config")),
    ("console", ("console", "office", "ledger", "signing", "keys", "formats", "config")),
])
def test_each_package_imports_only_what_the_layout_allows(package: str, allowed: tuple[str, ...]) -> None:
    wrong = [(f, m) for f, m in imports(package) if m.split(".")[0] not in allowed]
    assert wrong == []


@pytest.mark.parametrize("package", ["signing", "keys"])
def test_signing_and_keys_never_reach_the_ledger_application(package: str) -> None:
    assert [(f, m) for f, m in imports(package) if m == "ledger.application"] == []


def test_the_scan_sees_imports_at_all() -> None:
    # Guards the test itself: a parser that found nothing would pass every check above.
    assert ("cli/main.py", "cli.output") in imports("cli")
    assert any(m == "ledger.views" for _, m in imports("signing"))
