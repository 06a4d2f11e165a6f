"""The proof batch file of `certledger prove-batch`: a UTF-8 CSV, `number[,kind][,reason][,request]`
with a header row, read into typed rows.

What the file alone can tell (a kind that is no proof kind, a number listed twice) is reported
per line here; what only the ledger can tell is checked when each row is drafted.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ledger.domain import ProofKind
from ledger.errors import InvalidInput

Problem = tuple[int, str, str]  # (line, field, message), as ledger.errors.ImportRejected lists them


@dataclass(frozen=True)
class ProofRow:
    line: int  # the file's line: the header is line 1
    number: str
    kind: ProofKind
    reason: str
    request: str | None


@dataclass(frozen=True)
class ProofRows:
    rows: tuple[ProofRow, ...]
    problems: tuple[Problem, ...]  # lines refused before the ledger saw them


def read_proof_rows(path: Path) -> ProofRows:
    """Every row of the file; InvalidInput("file", …) when it is no UTF-8 CSV with a number column."""
    try:
        records = list(csv.DictReader(path.read_text("utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InvalidInput("file", f"not a readable UTF-8 CSV file ({type(e).__name__})") from None
    if not records or "number" not in records[0]:
        raise InvalidInput("file", "needs a header with at least a number column, and rows")
    rows: list[ProofRow] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for line, record in enumerate(records, start=2):
        number = (record.get("number") or "").strip()
        if number in seen:
            twice = InvalidInput("number", "listed twice: one proof per certificate per batch")
            problems.append((line, twice.field, twice.message))
            continue
        seen.add(number)
        try:
            kind = ProofKind((record.get("kind") or "written").strip())
        except ValueError:
            problems.append((line, "kind", "written, score-pass or qualification"))
            continue
        rows.append(ProofRow(line, number, kind, (record.get("reason") or "lost").strip(),
                             (record.get("request") or "").strip() or None))
    return ProofRows(tuple(rows), tuple(problems))
