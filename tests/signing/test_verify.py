"""Verification of signed PDFs: the genuine one passes every check; each forgery fails the check it should."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter

from keys.trustlist import build_trust_list, load_trust_list
from ledger.domain import ProofKind, china_date
from ledger.errors import NotFound, RuleViolation
from signing.checks import Outcome, Reason
from signing.errors import MalformedDocument
from signing.pdfsign import PdfSigner
from signing.pipeline import SignedDocument
from signing.render import Renderer
from signing.token import TokenVerifier
from signing.verify import Verifier
from tests.signing.conftest import JINAN, KEY_PASS, ROOT_PASS, Office

Make = Callable[..., SignedDocument]


def failed(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.name for c in result.checks() if not c.ok]


def test_a_freshly_signed_proof_passes_every_check(office: Office, signed_proof: Make) -> None:
    signed = signed_proof()
    result = office.verifier().verify_pdf(signed.pdf)
    assert result.ok, result.summary()
    assert [c.name for c in result.checks()] == ["format", "signature", "chain", "key_window", "recorded",
                                                 "qr_token", "status"]
    assert result.summary().startswith("genuine and current")


def test_a_flipped_byte_fails_the_signature_check(office: Office, signed_proof: Make) -> None:
    pdf = bytearray(signed_proof().pdf)
    spot = pdf.index(b"stream\n", 200) + 30  # inside a signed (compressed) stream: the PDF still parses
    pdf[spot] ^= 0x01
    result = office.verifier().verify_pdf(bytes(pdf))
    assert not result.ok
    assert result.first_failure is not None and result.first_failure.name == "signature"
    assert "recorded" in failed(result)


def test_content_appended_by_an_incremental_update_is_caught(office: Office, signed_proof: Make) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(signed_proof().pdf))
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else None
    if info is None:
        writer.trailer["/Info"] = writer.add_object(generic.DictionaryObject())
        info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("已补发 (forged note)")
    writer.update_container(info)
    out = BytesIO()
    writer.write(out)
    result = office.verifier().verify_pdf(out.getvalue())
    assert result.first_failure is not None and result.first_failure.name == "signature"
    assert "added after signing" in result.signature.detail


def test_a_replaced_page_is_caught(office: Office, signed_proof: Make) -> None:
    genuine = signed_proof("1915010000000731")
    other = signed_proof("1915010000000732")
    writer = PdfWriter(clone_from=PdfReader(BytesIO(genuine.pdf)))
    writer.pages[0].replace_contents(PdfReader(BytesIO(other.pdf)).pages[0].get_contents())  # type: ignore[arg-type]
    out = BytesIO()
    writer.write(out)
    result = office.verifier().verify_pdf(out.getvalue())
    assert result.first_failure is not None and result.first_failure.name == "signature"
    assert "recorded" in failed(result)


def test_a_signature_by_a_key_outside_the_trust_list_is_refused(office: Office) -> None:
    office.issue("1915010000000731")
    draft = office.app.draft_proof(JINAN, "1915010000000731", ProofKind.WRITTEN, "lost")
    # A key certified by the same root but never registered: the ledger will not record its signature...
    now = office.app.now()
    rogue = office.store.generate_office_key("1501", "济南市人才服务中心", ROOT_PASS, KEY_PASS,
                                             not_before=now, not_after=now + timedelta(days=9))
    with pytest.raises(NotFound) as refused:
        office.app.commit_signed(JINAN, replace(draft, key=replace(draft.key, kid=rogue.kid)), "0" * 64, "")
    assert "signing key" in str(refused.value)
    # ...and a file it signed, shown to a verifier, fails on the key.
    signed = office.signer(rogue.kid).produce(draft.view, china_date(draft.at))
    result = office.verifier().verify_pdf(signed.pdf)
    assert "key_window" in failed(result) and "not in the trust list" in result.key_window.detail
    assert "recorded" in failed(result)


def test_the_ledger_refuses_a_signature_by_a_key_outside_its_window(office: Office) -> None:
    office.issue("1915010000000731")
    draft = office.app.draft_proof(JINAN, "1915010000000731", ProofKind.WRITTEN, "lost")
    late = replace(draft, at=draft.at + timedelta(days=400))  # the office key's window was one year
    with pytest.raises(RuleViolation) as refused:
        office.app.commit_signed(JINAN, late, "0" * 64, "")
    assert refused.value.rule == "key-not-valid"
    office.clock.advance(days=400)  # and the ledger drafts nothing for a key outside its window
    with pytest.raises(RuleViolation) as undrafted:
        office.app.draft_proof(JINAN, "1915010000000731", ProofKind.WRITTEN, "lost")
    assert undrafted.value.rule == "no-active-key"


def test_a_trust_list_that_ends_the_window_before_the_recorded_signing_fails_the_key_window(
        office: Office, signed_proof: Make) -> None:
    signed = signed_proof()
    recorded = office.app.signed_file(signed.sha256)
    assert recorded is not None
    # The published list (signed by the real root) says the key stopped signing before that time.
    views = [replace(v, not_after=recorded.signed_at - timedelta(seconds=1)) for v in office.app.signing_keys()]
    data = build_trust_list(views, office.store.load_root(ROOT_PASS), issuer="test", issued_at=office.app.now())
    trust = load_trust_list(data, office.store.root_certificate_pem().encode())
    result = Verifier(trust, office.app).verify_pdf(signed.pdf)
    assert failed(result) == ["key_window"] and "stopped signing" in result.key_window.detail


def test_after_a_compromise_later_documents_fail_and_earlier_ones_stay_valid(office: Office,
                                                                             signed_proof: Make) -> None:
    before = signed_proof("1915010000000731")
    office.clock.advance(hours=2)
    compromised_at = office.app.now()
    office.clock.advance(hours=1)
    after = signed_proof("1915010000000732")
    office.app.revoke_key(JINAN, office.kids[0], compromised_at, "laptop stolen", publisher=office.sign_list)
    verifier = office.verifier()
    assert verifier.verify_pdf(before.pdf).ok
    late = verifier.verify_pdf(after.pdf)
    assert failed(late) == ["key_window"] and "compromised" in late.key_window.detail


def test_documents_signed_before_a_rotation_still_verify(office: Office, signed_proof: Make) -> None:
    old = signed_proof("1915010000000731")
    office.new_key(retire=office.kids[0])
    new = signed_proof("1915010000000732")
    assert old.key_id != new.key_id
    verifier = office.verifier()
    assert verifier.verify_pdf(old.pdf).ok and verifier.verify_pdf(new.pdf).ok


def test_a_qr_token_moved_onto_another_document_is_caught(office: Office, signed_proof: Make) -> None:
    donor = signed_proof("1915010000000731")
    office.issue("1915010000000732")
    draft = office.app.draft_proof(JINAN, "1915010000000732", ProofKind.WRITTEN, "lost")
    # An insider renders document B with A's QR code and signs it with the genuine office key.
    from signing.content import DocumentContent

    key = office.store.load_signer(office.kids[0], KEY_PASS)
    from cryptography.hazmat.primitives import serialization

    pdf = PdfSigner(key.private_key, key.certificate_pem.encode(),  # type: ignore[arg-type]
                    [key.root_certificate.public_bytes(serialization.Encoding.PEM)], office_name="x").sign(
        Renderer().render(DocumentContent.of(draft.view, china_date(draft.at)), donor.url))
    import hashlib

    assert draft.key.kid == office.kids[0]
    office.app.commit_signed(JINAN, draft, hashlib.sha256(pdf).hexdigest(), donor.token)
    result = office.verifier().verify_pdf(pdf)
    assert failed(result) == ["qr_token"] and "belongs to SM-1915010000000731-01" in result.qr_token.detail


def test_a_superseded_proof_verifies_as_genuine_but_not_current(office: Office, signed_proof: Make) -> None:
    first = signed_proof("1915010000000731")
    office.prove_signed("1915010000000731")  # a second written proof replaces the first
    result = office.verifier().verify_pdf(first.pdf)
    assert failed(result) == ["status"] and "superseded by SM-1915010000000731-02" in result.status.detail


def test_a_revoked_proof_says_why(office: Office, signed_proof: Make) -> None:
    signed = signed_proof()
    office.app.revoke(JINAN, "SM-1915010000000731-01", "issued to the wrong person")
    result = office.verifier().verify_pdf(signed.pdf)
    assert failed(result) == ["status"] and "wrong person" in result.status.detail


def test_something_that_is_not_a_pdf_raises_instead_of_returning_a_verdict(office: Office) -> None:
    with pytest.raises(MalformedDocument):
        office.verifier().verify_pdf(b"GIF89a not a pdf")


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_pdf_is_malformed_or_fails_a_check_never_an_unexpected_error(
        office: Office, signed_proof: Make, cut: float) -> None:
    pdf = signed_proof().pdf
    try:
        result = office.verifier().verify_pdf(pdf[: int(len(pdf) * cut)])
    except MalformedDocument:
        return
    assert not result.ok and failed(result)


def test_an_edition_that_does_not_exist_is_not_found(office: Office) -> None:
    office.issue("1915010000000731")
    assert office.app.document_by_reference("1915010000000731#1").edition == 1
    with pytest.raises(NotFound):  # "#0" once read as the last edition (a Python negative index)
        office.app.document_by_reference("1915010000000731#0")
    with pytest.raises(NotFound):
        office.app.document_by_reference("1915010000000731#2")
    with pytest.raises(NotFound):
        office.app.document_by_reference("1915010000000731#0")
    with pytest.raises(NotFound):
        office.app.document_by_reference("1915010000000731#²")


class CountingTokenVerifier(TokenVerifier):
    """The real signature check, counted."""

    def __init__(self) -> None:
        self.checked = 0

    def verify(self, token, public_key):  # type: ignore[no-untyped-def]
        self.checked += 1
        return super().verify(token, public_key)


def test_a_token_whose_signature_held_is_not_checked_again_and_one_that_failed_always_is(
        office: Office, signed_proof: Make) -> None:
    token = signed_proof("1915010000000731").token
    verifier = Verifier(office.trust_list(), office.app, remember=10)
    verifier._tokens = counting = CountingTokenVerifier()
    assert verifier.verify_token(token).ok and verifier.verify_token(token).ok
    assert counting.checked == 1
    forged = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]  # one character of the signature
    for _ in range(2):
        assert failed(verifier.verify_token(forged)) == ["signature", "key_window", "recorded", "status"]
    assert counting.checked == 3
    office.app.revoke(JINAN, "SM-1915010000000731-01", "test")  # the ledger is read every time all the same
    assert failed(verifier.verify_token(token)) == ["status"] and counting.checked == 3
    assert Verifier(office.trust_list(), office.app).verify_token(token).signature.ok  # remember=0: checked


def test_a_remembered_signature_does_not_outlive_the_trust_list_it_held_with(office: Office,
                                                                            signed_proof: Make) -> None:
    signed = signed_proof("1915010000000731")
    first = Verifier(office.trust_list(), office.app, remember=10)
    assert first.verify_token(signed.token).ok
    office.app.revoke_key(JINAN, office.kids[0], office.app.now() - timedelta(hours=1), "laptop stolen",
                          publisher=office.sign_list)
    reloaded = Verifier(office.trust_list(), office.app, remember=10)  # what the service builds on a reload
    assert failed(reloaded.verify_token(signed.token)) == ["key_window"]


# ------------------------------------------------------------- what a hostile file gets (issue 14)
def _flip_in_signature_value(pdf: bytes, offset: int) -> bytes:
    data = bytearray(pdf)
    at = data.index(b"/Contents <") + len(b"/Contents <") + offset
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    return bytes(data)


@pytest.mark.parametrize("offset", [2, 40, 600])
def test_a_flipped_signature_value_is_a_failed_check_never_an_unreadable_file(
        office: Office, signed_proof: Make, offset: int) -> None:
    result = office.verifier().verify_pdf(_flip_in_signature_value(signed_proof().pdf, offset))
    assert not result.ok and result.outcome is Outcome.NOT_GENUINE
    assert result.first_failure is not None and result.first_failure.reason is not Reason.NOT_CHECKED
    assert result.recorded.reason is Reason.NOT_RECORDED or result.format.reason is Reason.MALFORMED


def test_a_truncated_tail_is_a_failed_format_check(office: Office, signed_proof: Make) -> None:
    pdf = signed_proof().pdf
    result = office.verifier().verify_pdf(pdf[: pdf.rindex(b"startxref")])
    assert failed(result)[0] == "format" and result.format.reason is Reason.MALFORMED
    assert all(c.reason is Reason.NOT_CHECKED for c in result.checks()[1:])
    assert "unreadable PDF" in result.summary()


class LargePage:
    """The real renderer, then page 1's boxes widened to `points` square: what a hostile signer could sign."""

    def __init__(self, renderer: Renderer, points: float) -> None:
        self.renderer, self.points = renderer, points

    def render(self, content, url: str) -> bytes:  # type: ignore[no-untyped-def]
        from pypdf.generic import RectangleObject

        writer = PdfWriter(clone_from=PdfReader(BytesIO(self.renderer.render(content, url))))
        writer.pages[0].mediabox = RectangleObject((0, 0, self.points, self.points))
        writer.pages[0].cropbox = RectangleObject((0, 0, self.points, self.points))
        out = BytesIO()
        writer.write(out)
        return out.getvalue()


def _large_page(office: Office, number: str, points: float, *, record: bool) -> SignedDocument:
    office.issue(number)
    draft = office.app.draft_proof(JINAN, number, ProofKind.WRITTEN, "lost")
    signer = office.signer()
    signer._renderer = LargePage(signer._renderer, points)  # type: ignore[assignment]
    signed = signer.produce(draft.view, china_date(draft.at))
    if record:
        office.app.commit_signed(JINAN, draft, signed.sha256, signed.token)
    return signed


def test_a_page_far_larger_than_a4_is_never_rendered_even_when_the_office_signed_it(office: Office) -> None:
    signed = _large_page(office, "1915010000000731", 3000, record=True)
    result = office.verifier().verify_pdf(signed.pdf)
    assert failed(result) == ["qr_token"] and result.qr_token.reason is Reason.QR_UNREADABLE
    assert "page 1 is 3000 x 3000 pt" in result.qr_token.detail


def test_a_file_that_failed_a_check_is_not_rendered_and_costs_no_memory(office: Office) -> None:
    import resource

    # The attack of issue 14: one 14,400 pt page with a signature; rendered at 150 dpi it took 2.8 GB.
    hostile = _large_page(office, "1915010000000731", 14_400, record=False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB, the process's high-water mark
    result = office.verifier().verify_pdf(hostile.pdf)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.recorded.reason is Reason.NOT_RECORDED and result.qr_token.reason is Reason.NOT_CHECKED
    assert grown < 100 * 1024, f"the check raised the high-water mark by {grown // 1024} MB"


def test_the_render_scale_keeps_a4_at_150_dpi_and_caps_the_pixels() -> None:
    from signing.pdflimits import MAX_RENDER_PIXELS, PdfTooCostly, render_scale

    assert render_scale(595, 842, 150) == pytest.approx(150 / 72)
    scale = render_scale(1200, 1200, 600)
    assert (1200 * scale) ** 2 <= MAX_RENDER_PIXELS * 1.0001
    for width, height in ((14_400, 842), (595, 14_400), (0, 842), (-5, 842)):
        with pytest.raises(PdfTooCostly):
            render_scale(width, height, 150)
