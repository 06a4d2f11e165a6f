"""The bare reference with a verdict's answer: what a first scan costs besides the verdict's own work.

    uvicorn bench.reference_body:body_app     (CERTLEDGER_BENCH_BODY: a file holding one verdict's JSON)

One P-256 verification per request, as bench.bench_verify_api's bare endpoint does, then the bytes of a
real verdict (about 3.5 KB) through the service's own ServiceMiddleware: the same security headers,
no-store and last catch. bench.bench_first_scan measures it beside the bare endpoint and the service, so
the gap between this and `certledger serve` is the verdict's work (parse, read, proof, checks, JSON) and
nothing of HTTP.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.responses import Response

from bench.bench_verify_api import _message, _public, _signature
from verify_api.middleware import ServiceMiddleware

_BODY = Path(os.environ["CERTLEDGER_BENCH_BODY"]).read_bytes() if os.environ.get("CERTLEDGER_BENCH_BODY") \
    else b'{"ok":true}'
_inner = FastAPI()


@_inner.get("/bare/{token}")
async def bare_with_body(token: str) -> Response:
    _public.verify(_signature, _message, ec.ECDSA(hashes.SHA256()))
    return Response(_BODY, media_type="application/json")  # ServiceMiddleware adds no-store, as to a verdict


body_app = ServiceMiddleware(_inner, max_body=1 << 20, hsts=False, access_log=False)
