"""Where a first scan's time goes, in process: the verdict's stages, and a PostgreSQL round trip's floor.

    python -m bench.first_scan_budget TOKENS.json     (CERTLEDGER_* of the store in the environment)

bench.bench_first_scan runs it against each store it built, caches off as in its `*_first` servers, and
prints the result beside its wrk figures. Per call, best of five runs of CALLS (3,000) calls over the tokens,
wall time and this process's CPU time (a network store's server works on the same cores besides):

- `signature`: the token's ES256 check alone (what the bare endpoint does per request);
- `verdict_json`: a whole first scan's verdict as JSON bytes, as the service's token route makes it;
- `row_with_path`: the read model's one query (the row, its log leaf, the proof's stored hashes);
- `select_1` (PostgreSQL): `SELECT 1` on a read connection of the same kind, the floor of any one query.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CALLS = 3000


def per_call(fn: Callable[[int], object], calls: int) -> dict[str, float]:
    """Best of five runs: microseconds of wall time and of this process's CPU time per call."""
    best = (float("inf"), float("inf"))
    for _ in range(5):
        w0, c0 = time.perf_counter(), time.process_time()
        for i in range(calls):
            fn(i)
        best = min(best, ((time.perf_counter() - w0) / calls * 1e6, (time.process_time() - c0) / calls * 1e6))
    return {"wall_us": round(best[0], 1), "cpu_us": round(best[1], 1)}


def budget(tokens: list[str], calls: int = CALLS) -> dict[str, Any]:
    os.environ.update({"CERTLEDGER_CACHE_SIZE": "0", "CERTLEDGER_VERIFY_RECORDS": "off"})
    from signing.token import parse_token
    from verify_api.errors import json_body
    from verify_api.service import VerificationService
    from verify_api.settings import ServiceSettings

    service = VerificationService.from_settings(ServiceSettings().with_file())
    try:
        verifier, records, latest = service.verifier(), service.records, service.log.latest()
        assert records is not None and latest is not None, "the store has no read model or no checkpoint"
        parsed = [parse_token(t) for t in tokens]
        refs = [p.claims.document_number for p in parsed]
        keys = [verifier.trust.keys[p.kid].public_key for p in parsed]
        n = len(tokens)
        check = verifier._tokens.verify
        out: dict[str, Any] = {
            "signature": per_call(lambda i: check(parsed[i % n], keys[i % n]), calls),
            "verdict_json": per_call(lambda i: json_body(service.verify_token(tokens[i % n]).to_dict()), calls),
            "row_with_path": per_call(lambda i: records.record_with_path(refs[i % n], latest.size), calls)}
        if service.settings.store == "postgres":
            conn = records._open()
            try:
                out["select_1"] = per_call(lambda i: conn.execute("SELECT 1").fetchall(), calls)
            finally:
                conn.close()
        out["verdict_beyond_signature_us"] = round(out["verdict_json"]["wall_us"] - out["signature"]["wall_us"], 1)
        return out
    finally:
        service.close()


if __name__ == "__main__":
    print(json.dumps(budget(json.loads(Path(sys.argv[1]).read_text()))))
