"""Lookup by certificate number and holder name, as the national query service does: both must match."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from verify_api.deps import LookupAllowed, Service, ledger_read
from verify_api.errors import ApiError, json_response, responses
from verify_api.schemas.lookup import LookupOut
from verify_api.verdict import Verdict

router = APIRouter(prefix="/api/v1", tags=["lookup"])

STATUS_LABELS = {"current": "有效", "superseded": "已被替换", "revoked": "已撤销"}
_NO_MATCH = "no certificate matches this number and name (未查询到匹配的证书)"


def lookup_body(verdict: Verdict) -> dict[str, Any]:
    """The masked answer: who, what, when, which authority, and the status."""
    d = verdict.to_dict()
    doc = d["document"]
    return {
        "number": doc["number"], "reference": doc["reference"], "kind": doc["kind"], "kind_label": doc["kind_label"],
        "holder_name": doc["holder_name"], "id_number_masked": doc["id_number_masked"],
        "occupation": doc["occupation"], "level": doc["level"], "issue_date": doc["issue_date"],
        "authority": doc["authority"], "status": verdict.outcome, "status_label": STATUS_LABELS[verdict.outcome],
        "superseded": d["superseded"], "revoked": d["revoked"],
    }


@router.get("/certificates", response_model=LookupOut, responses=responses(404, 422, 429, 503))
async def lookup_certificate(
    service: Service, _: LookupAllowed,
    number: Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$",
                                 description="Certificate number (16 digits or 管理号), or a proof number.")],
    name: Annotated[str, Query(min_length=1, max_length=50, description="The holder's name (姓名).")],
) -> Response:
    """The masked record when number and name both match; a mismatch and an unknown number get the same 404."""
    verdict = await ledger_read(service, service.lookup, number, name)
    if verdict is None:
        raise ApiError(404, "not_found", _NO_MATCH)
    return json_response(lookup_body(verdict))
