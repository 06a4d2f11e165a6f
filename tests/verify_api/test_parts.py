"""The service's parts on their own (rate buckets: test_limits.py): the record writer, the document cache, the page."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import NotFound
from signing.checks import Check, Reason
from tests.signing.conftest import JINAN
from tests.verify_api.conftest import Home
from verify_api.changes import SqliteChanges
from verify_api.errors import json_body
from verify_api.page import message_page, verdict_page
from verify_api.records import Row, SqliteSink, VerificationRecorder, minute_of
from verify_api.verdict import NOT_GENUINE, Verdict
from verify_api.views import CachedViews


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FailingSink:
    def __init__(self) -> None:
        self.fail = True
        self.written: list[tuple[Row, int]] = []

    def write(self, counts: Iterable[tuple[Row, int]]) -> None:
        if self.fail:
            raise OSError("disk full")
        self.written.extend(counts)

    def close(self) -> None:
        pass


def test_counts_survive_a_failed_write_and_go_out_with_the_next() -> None:
    sink = FailingSink()
    recorder = VerificationRecorder(sink)
    recorder.record("SM-1915010000000731-01", "current", "token")
    recorder.flush()
    recorder.record("SM-1915010000000731-01", "current", "token")
    sink.fail = False
    recorder.flush()
    assert [(row[0], n) for row, n in sink.written] == [("SM-1915010000000731-01", 2)]


def test_counts_are_added_up_per_minute_in_sqlite(tmp_path: Path) -> None:
    sink = SqliteSink(tmp_path / "v.sqlite")
    row = ("1915010000000731#1", minute_of(1_700_000_000), "current", "token")
    sink.write([(row, 2)])
    sink.write([(row, 3)])
    assert sink._connection().execute("SELECT count FROM verification_counts").fetchall() == [(5,)]
    assert minute_of(1_699_999_980) == minute_of(1_700_000_039) == "2023-11-14T22:13Z"
    sink.close()


def test_the_document_cache_asks_at_most_once_per_interval(home: Home) -> None:
    home.proof("1915010000000731")
    clock = Clock()
    views = CachedViews(home.office.app, SqliteChanges(home.path / "ledger.sqlite"), check_every=0.01, clock=clock)
    first = views.document_by_reference("SM-1915010000000731-01")
    home.office.app.revoke(JINAN, "SM-1915010000000731-01", "test")
    clock.now += 0.009
    assert views.document_by_reference("SM-1915010000000731-01") is first  # not asked yet: the bound
    clock.now += 0.002
    assert views.document_by_reference("SM-1915010000000731-01").status == "revoked"
    views.close()


def test_the_document_cache_empties_when_anything_is_committed(home: Home) -> None:
    home.proof("1915010000000731")
    views = CachedViews(home.office.app, SqliteChanges(home.path / "ledger.sqlite"))
    first = views.document_by_reference("SM-1915010000000731-01")
    assert views.document_by_reference("SM-1915010000000731-01") is first  # from memory
    home.office.app.revoke(JINAN, "SM-1915010000000731-01", "test")
    assert views.document_by_reference("SM-1915010000000731-01").status == "revoked"
    with pytest.raises(NotFound):
        views.document_by_reference("SM-1915010000009999-01")
    views.close()


def test_the_page_escapes_what_it_shows() -> None:
    v = Verdict(NOT_GENUINE, (Check.failed("signature", Reason.SIGNATURE_INVALID, '<script>alert("x")</script>'),))
    page = verdict_page(v)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script" not in message_page("<b>", "x", "y", "z")


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                     | st.text(), lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_an_answer_body_reads_back_as_what_was_encoded(value: object) -> None:
    assert json.loads(json_body(value)) == value  # integers past 64 bits too: the standard library writes those


def test_chinese_text_is_written_as_utf8_not_escaped() -> None:
    assert json_body({"headline": "真实有效", "size": 2**70}) == f'{{"headline":"真实有效","size":{2**70}}}'.encode()


def test_a_view_read_while_the_cache_is_emptied_is_served_once_not_kept(home: Home) -> None:
    """A read that started before a change was seen may hold the old view: keeping it would hide the change
    until the next commit. Here the revocation is committed and seen (by another request) during the read."""
    home.proof("1915010000000731")
    home.proof("1915010000000732")
    reference = "SM-1915010000000731-01"

    class Slow:
        def __init__(self) -> None:
            self.reads = 0

        def document_by_reference(self, ref: str) -> object:
            self.reads += 1
            view = home.office.app.document_by_reference(ref)  # read before the revocation...
            if ref == reference and self.reads == 1:
                home.office.app.revoke(JINAN, reference, "test")  # ...committed meanwhile, and seen by
                views.document_by_reference("SM-1915010000000732-01")  # another request's question
            return view

    source = Slow()
    views = CachedViews(home.office.app, SqliteChanges(home.path / "ledger.sqlite"), source=source)  # type: ignore[arg-type]
    assert views.document_by_reference(reference).status != "revoked"  # the old view, served once
    assert views.document_by_reference(reference).status == "revoked"  # not kept: read again
    views.close()
