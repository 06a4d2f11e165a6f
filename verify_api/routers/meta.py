"""The service's own files: the signed trust list verifiers load, and the health check."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from verify_api.deps import Service, ledger_read
from verify_api.errors import error_response, json_response, responses
from verify_api.schemas.common import Health

router = APIRouter(tags=["service"])


@router.get("/.well-known/certledger/trust-list", response_class=Response, responses={
    200: {"content": {"application/jose": {"schema": {"type": "string"}}},
          "description": "The compact JWS signed by the deployment root"}, **responses(503)})
async def trust_list(service: Service) -> Response:
    """The signed trust list, byte for byte: verify it against the pinned root certificate."""
    loaded = service.trust.current()
    return Response(loaded.data, media_type="application/jose", headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/certledger/root-crl", response_class=Response, responses={
    200: {"content": {"application/pkix-crl": {"schema": {"type": "string", "format": "binary"}}},
          "description": "The root's certificate revocation list (DER)"}, **responses(404, 503)})
async def root_crl(service: Service) -> Response:
    """The root's CRL (X.509, DER): the publisher certificates the root's keeper revoked. Verify it against the pinned
    root; a trust list whose publisher it names is refused. Only the CRL this worker accepted is served: never one
    older than it accepted before, never a stale one (503 until the keeper's fresh one is beside the root)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data = service.trust.crl()
    if data is None:
        return error_response(404, "not_found", "the root's keeper has revoked nothing: no CRL")
    der = (x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
           if data.lstrip().startswith(b"-----") else data)
    return Response(der, media_type="application/pkix-crl", headers={"Cache-Control": "public, max-age=300"})


@router.get("/healthz", response_model=Health, responses=responses(503))
async def healthz(service: Service) -> Response:
    """200 when this worker has a trust list and can read the ledger; on a PostgreSQL standby, `store` gives its
    replay lag, and a standby further behind than CERTLEDGER_MAX_REPLAY_LAG_SECONDS answers 503 (`lagging`)."""
    health = await ledger_read(service, service.health)
    return json_response(health, 200 if health["status"] == "ok" else 503)
