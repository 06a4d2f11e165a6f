"""Signed-document benchmarks: batch proofs rendered, signed and recorded, beside pyHanko alone.

    .venv/bin/python -m bench.bench_signing            # 400 documents
    .venv/bin/python -m bench.bench_signing --n 100

Runs in a temporary directory with fresh development keys. Measures, in one run:
pyHanko signing alone (one process, key kept loaded), rendering alone, QR generation as the
page makes it beside segno's with a fixed and a chosen mask, the `certledger prove-batch` rate (process start, ledger
recording and file writing included), token verifications and full PDF verifications.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bench.bench_ledger import compile_project, machine
from bench.figures import write_figures
from bench.gen_certificates import write
from keys.store import KeyStore
from ledger.application import Actor, CertLedger
from ledger.domain import ProofKind, china_date
from signing.content import DocumentContent
from signing.ornaments import qr_modules
from signing.pdfsign import PdfSigner
from signing.pipeline import DocumentSigner, SignerKey
from signing.render import Renderer
from signing.token import TokenVerifier, parse_token
from signing.verify import Verifier

CERTLEDGER = Path(sys.executable).parent / "certledger"
PASS = {"CERTLEDGER_KEY_PASSPHRASE": "bench-office-key", "CERTLEDGER_ROOT_PASSPHRASE": "bench-root-key",
        "CERTLEDGER_PUBLISHER_PASSPHRASE": "bench-publisher-key",
        "CERTLEDGER_LOG_KEY_PASSPHRASE": "bench-log-key",
        "CERTLEDGER_OPERATOR_PASSPHRASE": "bench-operator-key"}


def rate(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


def run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([str(CERTLEDGER), *args], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"certledger {' '.join(args)} failed: {proc.stderr}")
    return time.perf_counter() - started


def pyhanko_alone(pdfs: list[Path], root_pem: bytes) -> float:
    """Files/s of pyHanko reading each file and validating its one signature against the root, no revocation
    fetching (the reference of a full check: what the library does with the same file, and nothing else)."""
    from io import BytesIO

    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = next(iter(load_certs_from_pemder_data(root_pem)))
    started = time.perf_counter()
    for p in pdfs:
        context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(PdfFileReader(BytesIO(p.read_bytes()), strict=False).embedded_signatures[0],
                                        context)
        assert status.intact and status.valid
    return len(pdfs) / (time.perf_counter() - started)


def _store(tmp: Path, env: dict[str, str], n: int) -> tuple[list[str], Path]:
    """A ledger of n x 90 imported certificates for office 1500 and a batch file of n written proofs."""
    run(env, "init", "--office", "1500", "--operator", "bench")
    run(env, "keys", "init")
    # Written proofs are for electricians (left the catalog) of the proving office (1500): in the
    # generated data, row i is city i % 18 and occupation i % 5, so every 90th row is one.
    run(env, "import", str(write(tmp / "certs.csv", n * 90)))
    numbers = [f"191500{i:010d}" for i in range(0, n * 90, 90)]
    batch = tmp / "batch.csv"
    batch.write_text("number,kind,reason\n" + "".join(f"{x},written,lost\n" for x in numbers))
    return numbers, batch


def _parts(app: CertLedger, home: Path, number: str, n: int) -> tuple[dict[str, float], Any, Any, bytes]:
    """The parts in this process with the same key: pyHanko signing alone, rendering, QR, one whole document."""
    kid = app.active_key("1500").kid
    loaded = KeyStore(home / "keys").load_signer(kid, PASS["CERTLEDGER_KEY_PASSPHRASE"])
    root_pem = loaded.root_certificate.public_bytes(serialization.Encoding.PEM)
    draft = app.draft_proof(Actor("bench", "1500"), number, ProofKind.WRITTEN, "lost")
    content = DocumentContent.of(draft.view, china_date(draft.at))
    signer = DocumentSigner(SignerKey.of(loaded, "bench office"), "https://verify.certledger.example")
    sample = signer.produce(draft.view, china_date(draft.at))
    renderer = Renderer()
    rendered = renderer.render(content, sample.url)
    pdf_signer = PdfSigner(loaded.private_key, loaded.certificate_pem.encode(), [root_pem],  # type: ignore[arg-type]
                           office_name="bench")
    k = max(20, n // 10)
    parts = {"pyhanko_sign_alone": rate(k, lambda: pdf_signer.sign(rendered)),
             "render": rate(k, lambda: renderer.render(content, sample.url)),
             "qr_zxing_chosen_mask": rate(k, lambda: qr_modules(sample.url)),
             "qr_segno_fixed_mask": rate(k, lambda: segno.make(sample.url, error="m", micro=False, mask=0)),
             "qr_segno_chosen_mask": rate(max(10, k // 4), lambda: segno.make(sample.url, error="m", micro=False)),
             "token+render+sign_one_process": rate(k, lambda: signer.produce(draft.view, china_date(draft.at)))}
    print(f"pyHanko signing alone ({len(rendered) // 1024} KB PDF, key kept loaded): "
          f"{parts['pyhanko_sign_alone']:.1f}/s; rendering alone {parts['render']:.1f}/s; QR "
          f"{parts['qr_zxing_chosen_mask']:,.0f}/s as the page makes it (zxing-cpp, mask chosen), segno "
          f"{parts['qr_segno_fixed_mask']:,.0f}/s with a fixed mask and {parts['qr_segno_chosen_mask']:,.0f}/s "
          "choosing it; "
          f"token+render+sign in one process {parts['token+render+sign_one_process']:.1f}/s")
    return {k: round(v, 1) for k, v in parts.items()}, kid, sample, root_pem


def _verification(app: CertLedger, home: Path, out: Path, kid: str, sample: Any, root_pem: bytes) -> dict[str, Any]:
    """Token signatures, tokens with the ledger's status, and full PDF checks beside pyHanko's own validation."""
    from cli.settings import Settings
    from keys.trustlist import load_trust_list

    s = Settings(home=home)
    trust = load_trust_list(s.trust_list_path.read_bytes(), (home / "keys" / "root.cert.pem").read_bytes())
    verifier = TokenVerifier()
    public = trust.keys[kid].public_key
    assert isinstance(public, ec.EllipticCurvePublicKey), "the office key is ECDSA P-256"
    tokens = rate(5000, lambda: verifier.verify(parse_token(sample.url), public))
    full = Verifier(trust, app)
    pdfs = sorted(out.glob("*.pdf"))[:20]
    assert full.verify_pdf(pdfs[0].read_bytes()).ok  # the render worker's start, once per checking process
    pyhanko_alone(pdfs[:1], root_pem)  # and pyHanko's first-use imports, outside both timings
    pdf_rates, hanko_rates = [], []
    for _round in (1, 2):  # alternating, so a change in the machine's load reaches both
        started = time.perf_counter()
        assert all(full.verify_pdf(p.read_bytes()).ok for p in pdfs)
        pdf_rates.append(len(pdfs) / (time.perf_counter() - started))
        hanko_rates.append(pyhanko_alone(pdfs, root_pem))
    pdf_rate, hanko_rate = sum(pdf_rates) / 2, sum(hanko_rates) / 2
    token_pages = rate(200, lambda: full.verify_token(sample.url))
    print(f"verification: {tokens:,.0f} token signatures/s; {token_pages:,.0f} tokens/s with the ledger "
          f"lookup; {pdf_rate:.1f} PDFs/s in full (pyHanko, the QR read from page 1's rendered corner, the "
          f"ledger; render worker started) {[round(r, 1) for r in pdf_rates]} beside "
          f"pyHanko's own validation of the same files {hanko_rate:.1f}/s {[round(r, 1) for r in hanko_rates]} "
          f"({pdf_rate / hanko_rate:.2f}); "
          f"load {os.getloadavg()}")
    return {"token_signature": round(tokens), "token_with_ledger_status": round(token_pages),
            "full_pdf": round(pdf_rate, 1), "pyhanko_validation_alone": round(hanko_rate, 1),
            "full_pdf_ratio_to_pyhanko": round(pdf_rate / hanko_rate, 2), "load": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400, help="documents in the batch")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    figures: dict[str, object] = {"machine": machine(), "n": args.n, "workers": args.workers}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False))
    with tempfile.TemporaryDirectory(prefix="certledger-sign-bench-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")},
               "CERTLEDGER_HOME": str(home), **PASS}
        numbers, batch = _store(tmp, env, args.n)
        compile_project()  # the timed prove-batch starts as an installed copy does, not compiling its modules
        app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                              "SQLITE_DBNAME": str(home / "ledger.sqlite"), "CREATE_TABLE": "n"})
        parts, kid, sample, root_pem = _parts(app, home, numbers[0], args.n)
        figures["parts_per_s"] = parts
        seconds = run(env, "prove-batch", str(batch), "--out-dir", str(tmp / "out"), "--workers", str(args.workers))
        batch_rate, alone = len(numbers) / seconds, parts["pyhanko_sign_alone"]
        figures["batch"] = {"documents": len(numbers), "seconds": round(seconds, 2), "per_s": round(batch_rate, 1),
                            "ratio_to_pyhanko_alone": round(batch_rate / alone, 2)}
        print(f"prove-batch: {len(numbers)} proofs recorded, rendered, signed and written in {seconds:.1f} s = "
              f"{batch_rate:.1f}/s with {args.workers} workers, process start included "
              f"({batch_rate / alone:.2f} of pyHanko signing alone)")
        figures["verify_per_s"] = _verification(app, home, tmp / "out", kid, sample, root_pem)
    print(f"figures written to {write_figures('signing', figures)}")


if __name__ == "__main__":
    main()
