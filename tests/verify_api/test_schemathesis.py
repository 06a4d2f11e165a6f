"""Schemathesis against the service's own OpenAPI document: no input, valid or not, gets a server error
or an answer the document does not describe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.verify_api.conftest import Home
from verify_api.app import create_app
from verify_api.service import VerificationService
from verify_api.settings import ServiceSettings


def _document() -> dict[str, Any]:
    # The document describes the routes only, so an app with no ledger behind it gives it: the schema is
    # loaded at collection time (schemathesis' fixture-based loader does not work with this pytest).
    return create_app(ServiceSettings(store="sqlite"), service=cast(VerificationService, object())).openapi()


schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture
def app(home: Home) -> Iterator[FastAPI]:
    home.proof("1915010000000731")  # a real document behind some of the generated numbers
    home.checkpoint()  # and a signed log, so the log endpoints answer with proofs, not only 404s
    # Limits high enough that generated lookups and uploads reach the code behind the rate limiter.
    application = create_app(home.settings(lookup_per_minute=100_000, pdf_per_minute=100_000,
                                            max_upload_bytes=200_000))
    yield application
    application.state.service.close()


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case: schemathesis.Case, app: FastAPI) -> None:
    case.call_and_validate(app=app, checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                            response_schema_conformance])
