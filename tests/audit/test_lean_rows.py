"""The audit's lean row of a plain issuance (ledger.verification_record.issued_row) is the row
`issued_record_of` gives, term for term, or None where only the dataclass way can say."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.verification_record import issued_record_of, issued_row

AT = datetime(2019, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def _data(**changes: Any) -> dict[str, Any]:
    data = {"family": "skill", "number": "1915010000000123", "authority": "1501", "holder_name": "张三",
            "gender": "男", "id_type": "resident", "id_number": "37010219800101001X", "occupation": "电工",
            "level": "四级", "issue_date": "2019-03-04", "specialty": "", "theory_score": 80, "practical_score": None,
            "review_score": None, "result": "合格", "style": "new", "electronic": False, "exam_code": "",
            "photo_sha256": ""}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [{}, {"id_type": "passport", "id_number": "E12345678"}, {"theory_score": 0},
                                     {"holder_name": "O'Brien \"Ó\"\\", "level": "一级"}, {"result": 1}])
def test_the_lean_row_is_the_records_row(changes: dict[str, Any]) -> None:
    data = _data(**changes)
    lean = issued_row("8d7f0a52-6c3e-4f5b-9a41-0f2b8c6d1e77", 1, data, 2, AT)
    record = issued_record_of("8d7f0a52-6c3e-4f5b-9a41-0f2b8c6d1e77", 1, data, 2, AT)
    assert lean is not None
    assert lean.reference == record.reference
    assert lean.head() == record.head()
    assert lean.payload_value() == record.payload_value()
    assert lean.row() == record.row()


def test_data_the_dataclass_would_fill_or_refuse_is_left_to_it() -> None:
    missing = _data()
    del missing["specialty"]  # the dataclass fills its default
    assert issued_row("a", 1, missing, 1, AT) is None
    assert issued_record_of("8d7f0a52-6c3e-4f5b-9a41-0f2b8c6d1e77", 1, missing, 1, AT).fields  # it can say
    assert issued_row("a", 1, _data(extra="x"), 1, AT) is None  # the dataclass refuses an unknown field
    assert issued_row("a", 1, _data(id_number=None), 1, AT) is None  # the holder digest cannot be made
    assert issued_row("a", 1, _data(number=1915), 1, AT) is None


@pytest.mark.parametrize("originator", ["0f2b8c6d1e778d7f0a526c3e4f5b9a41", "0f2b8c6d-1e77-8d7f-0a52-6c3e4f5b9a41"])
def test_the_replays_leaf_is_the_header_records_leaf(originator: str) -> None:
    from uuid import UUID

    from ledger.leaves import header_leaf, header_record, state_digest
    from ledger.merkle import leaf_hash

    salt, state = bytes(range(16)), '{"holder_name":"张三"}'.encode()
    for aggregate in (originator, UUID(originator)):
        for topic in ("ledger.documents:Certificate.Imported", "ledger.documents:证书.Imported"):
            want = leaf_hash(header_record(7, aggregate, 3, topic, state_digest(salt, state)))
            assert header_leaf(7, aggregate, 3, topic, state, salt) == want
            assert header_leaf(8, aggregate, 3, topic, state, salt) != want
            assert header_leaf(7, aggregate, 3, topic, state + b" ", salt) != want
            assert header_leaf(7, aggregate, 3, topic, state, bytes(16)) != want


def test_a_kept_payload_is_its_written_text_or_another_spelling_of_the_same_value_and_nothing_else() -> None:
    import json

    from ledger.readmodel_check import _differing

    record = issued_record_of("8d7f0a52-6c3e-4f5b-9a41-0f2b8c6d1e77", 1, _data(), 2, AT)
    written = record.row()
    assert _differing(written, record) == ""  # the text the read model writes: equal bytes, no parse
    escaped = json.dumps(record.payload_value(), ensure_ascii=True, indent=1)  # the same value, other bytes
    assert _differing((*written[:-1], escaped), record) == ""
    changed = dict(record.payload_value(), id_number_masked="370102********001X ")
    assert _differing((*written[:-1], json.dumps(changed, ensure_ascii=False, sort_keys=True)), record) == "payload"
    assert _differing((*written[:-1], "not json"), record) == "payload"
    assert _differing((*written[:2], 9, *written[3:]), record) == "version"


def test_the_holder_digest_is_the_three_parts_each_after_a_zero_byte_under_the_context() -> None:
    import hashlib

    from ledger.verification_record import holder_digest

    text = "certledger-holder-v1\x001915010000000123#2\x00张三\x0037010219800101001X"
    want = hashlib.sha256(text.encode()).digest()[:16]
    assert holder_digest("1915010000000123#2", "张三", "37010219800101001x") == want
