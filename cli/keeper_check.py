"""`audit verify --keeper-record DIR`: the keeper's record checked beside the replay (keys.keeper_audit)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cli.wiring import pinned_root
from ledger.errors import InvalidInput


def with_keeper_problems(report: Any, ledger: Any, directory: Path, root: Path | None) -> Any:
    """`report` with a divergence for each problem of the keeper's record in `directory`: the record altered, or a
    root-issued certificate the ledger holds (an office key's, a recorded trust list's publisher) not in it."""
    from keys.keeper_audit import keeper_problems
    from ledger.audit import Divergence

    if not directory.is_dir():
        raise InvalidInput("keeper-record", f"{directory} is not a directory (the root's keeper's, or a copy of its "
                           "issued.jsonl and issued-*.cert.pem)")
    offices = [(f"office {k.office} key {k.kid}", k.certificate_pem) for k in ledger.signing_keys()
               if k.certificate_pem]
    sequence = ledger.trust_list_sequence() or 0
    lists = (ledger.recorded_trust_list(n) for n in range(1, sequence + 1))
    problems = keeper_problems(directory, pinned_root(root).read_bytes(), offices, lists)
    found = tuple(Divergence(None, None, None, None, p) for p in problems)
    return dataclasses.replace(report, divergences=(*report.divergences, *found)) if found else report
