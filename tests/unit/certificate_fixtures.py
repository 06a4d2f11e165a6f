"""What the aggregate tests share: certificate data, an issued certificate, and a refusal that must change nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.domain import CatalogVersion, Certificate
from ledger.errors import LedgerError, RuleViolation
from ledger.values import CertificateData, parse_certificate

AT = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 4, 7, 14, 0, tzinfo=UTC)
CATALOG = CatalogVersion("2021", ["焊工", "消防设施操作员", "民航乘务员"], "x")
REF_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, REF_WEIGHTS, strict=True)) % 11]


HOLDER_ID = resident_id("37012419900101123")  # male
OTHER_ID = resident_id("37010219880808457")  # male
LN_HOLDER_ID = resident_id("21010219700101123")  # male, born 1970

SKILL_NUMBER = "1815010000103353"  # Jinan (1501)


def skill_data(**changes: object) -> CertificateData:
    raw: dict[str, object] = {
        "number": SKILL_NUMBER, "holder_name": "张三", "gender": "男", "id_number": HOLDER_ID,
        "occupation": "焊工", "level": "四级", "issue_date": "2018-06-01", "theory_score": "80",
        "practical_score": "75",
    }
    raw.update(changes)
    return parse_certificate(raw)


def professional_data(**changes: object) -> CertificateData:
    raw: dict[str, object] = {
        "family": "professional", "number": "ZS2019ABC123", "authority": "1500", "holder_name": "王芳",
        "gender": "男", "id_number": HOLDER_ID, "occupation": "一级建造师", "level": "一级建造师",
        "specialty": "建筑工程", "issue_date": "2019-12-20",
    }
    raw.update(changes)
    return parse_certificate(raw)


def issued(data: CertificateData | None = None, office: str | None = None) -> Certificate:
    """An issued certificate with its pending events already collected (a clean slate)."""
    data = data or skill_data()
    cert = Certificate.issue(data, "op-1", office or data.authority, AT)
    cert.collect_events()
    return cert


def state(aggregate: Any) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def replay(events: Sequence[Any]) -> Any:
    aggregate = None
    for e in events:
        aggregate = e.mutate(aggregate)
    return aggregate


def refused(aggregate: Any, command: Callable[[], object], error: type[LedgerError] = RuleViolation) -> Any:
    """Run a command that must be refused; check it left no pending event and no state change."""
    before_events = len(aggregate.pending_events)
    before = state(aggregate)
    with pytest.raises(error) as info:
        command()
    assert len(aggregate.pending_events) == before_events
    assert state(aggregate) == before
    return info.value
