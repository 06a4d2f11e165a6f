"""Render the professional proofs shown in docs/ (score-pass and qualification) as the ledger issues them now:
a Jinan professional certificate, its score-pass request reviewed and referred, the Shandong examination
centre's proof; the qualification proof's page is that centre's proof for an abolished qualification (招标师).

    .venv/bin/python scripts/docs_images.py [OUT_DIR]     (default docs/; needs pdftoppm, poppler-utils)

The pages are rendered without the PAdES signature (it changes nothing on the page); the names and the ID
number are invented, the ID number a valid GB 11643 one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind, RequestKind
from signing.content import QUALIFICATION_ATTESTATION, SCORE_PASS_ATTESTATION, TITLES, DocumentContent
from signing.render import Renderer

JINAN, CENTRE = Actor("张三", "1501"), Actor("李四", "1500")
ID_NUMBER = "370102198503021259"  # region 370102, born 1985-03-02, check character valid
URL = "HTTPS://VERIFY.CERTLEDGER.EXAMPLE/V/EXAMPLETOKEN"


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": f"{tmp}/s.sqlite"})
        app.ensure_default_catalog(JINAN)
        app.issue(JINAN, {"family": "professional", "number": "ZS2019000001", "holder_name": "王五",
                          "gender": "男", "id_number": ID_NUMBER, "occupation": "一级建造师", "exam_code": "034",
                          "level": "一级", "specialty": "建筑工程", "issue_date": "2019-06-01"})
        applied = app.apply(JINAN, RequestKind.SCORE_PASS, "ZS2019000001", "王五")
        app.accept(JINAN, applied.number)
        app.review(JINAN, applied.number, approve=True, stated={"name": "王五"})
        app.refer(JINAN, applied.number)
        proof = app.prove(CENTRE, "ZS2019000001", ProofKind.SCORE_PASS, request=applied.number)
        score_pass = DocumentContent.of(app.show(proof.number), date(2026, 12, 1))
        # A qualification proof comes through the monthly batch (photos, the package): its page is the same
        # centre's proof for one of the 15 abolished qualifications (招标师, seed 004 二(二)2), with the
        # qualification's title, number and attestation.
        lookup = score_pass.attestation.removeprefix(SCORE_PASS_ATTESTATION.format(qualification=score_pass.occupation))
        qualification = replace(score_pass, kind="qualification", title=TITLES["qualification"],
                                number="ZG-ZB2018000007-01", certificate_number="ZB2018000007", occupation="招标师",
                                level="招标师", specialty="招标采购", issue_date=date(2018, 10, 20),
                                attestation=QUALIFICATION_ATTESTATION.format(qualification="招标师") + lookup)
        renderer = Renderer()
        for content, name in ((score_pass, "proof-score-pass"), (qualification, "proof-qualification")):
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(renderer.render(content, URL))
            subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(out / name)], check=True)
            print(out / f"{name}.png")
        app.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))
