"""The verification service through FastAPI's TestClient: verdicts, pages, uploads, lookups, limits."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keys.trustlist import load_trust_list
from ledger.domain import ProofKind
from tests.signing.conftest import JINAN
from tests.verify_api.conftest import ID_NUMBER, MASKED, Home, verdict
from tests.verify_api.served import forge
from verify_api.app import create_app
from verify_api.settings import ServiceSettings

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


# ----------------------------------------------------------------------------- tokens
def test_a_current_proof_is_genuine_and_current_with_its_fields_masked(home: Home, client: TestClient) -> None:
    token = home.proof("1915010000000731").token
    v = verdict(client, token)
    assert v["outcome"] == "current" and v["genuine"] and v["current"] and v["failed_check"] is None
    assert [c["check"] for c in v["checks"]] == ["token", "signature", "key_window", "recorded", "status"]
    assert all(c["ok"] for c in v["checks"])
    doc = v["document"]
    assert doc["reference"] == "SM-1915010000000731-01" and doc["kind"] == "written"
    assert doc["holder_name"] == "刘建国" and doc["id_number_masked"] == MASKED
    assert doc["authority"]["office"] == "济南市人才服务中心" and doc["authority"]["phone"]
    page = client.get(f"/V/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "真实有效" in page.text and "Genuine and current" in page.text and MASKED in page.text
    assert doc["authority"]["phone"] in page.text


def test_the_printed_upper_case_url_and_a_typed_lower_case_one_show_the_same_page(home: Home,
                                                                                  client: TestClient) -> None:
    signed = home.proof("1915010000000731")
    printed = signed.url.split("://", 1)[1].split("/", 1)[1]  # V/<TOKEN>, as the QR code carries it
    assert printed.startswith("V/")
    upper, lower = client.get("/" + printed), client.get(f"/v/{signed.token.lower()}")
    assert upper.status_code == lower.status_code == 200
    assert "真实有效" in upper.text and "真实有效" in lower.text


def test_a_certificate_reissued_after_loss_shows_its_successor_and_a_link_to_its_status(home: Home,
                                                                                       client: TestClient) -> None:
    number = "1915010000000732"
    home.office.issue(number, "焊工")  # still in the catalog: reissued under the same number
    old = home.ecert(number)
    home.office.app.reissue(JINAN, number)
    new = home.ecert(number)

    v = verdict(client, old.token)
    assert v["outcome"] == "superseded" and v["genuine"] and not v["current"]
    assert v["superseded"]["by"] == f"{number}#2" and v["superseded"]["reason"] == "lost"
    assert v["superseded"]["reason_label"] == "遗失补发" and v["superseded"]["at"]
    assert v["superseded"]["successor"] == {"reference": f"{number}#2", "state": "current", "url": f"/v/{new.token}"}
    page = client.get(f"/v/{old.token}").text
    assert "已被替换" in page and "遗失补发" in page and f"{number}（第 2 版）" in page
    assert f'href="/v/{new.token}"' in page
    assert verdict(client, new.token)["outcome"] == "current"


@pytest.mark.parametrize(("how", "label"), [("exchange", "境外就业换发"), ("correct", "错误信息修改换发")])
def test_an_exchange_names_its_reason(home: Home, client: TestClient, how: str, label: str) -> None:
    number = "1915010000000733"
    home.office.issue(number, "焊工")
    old = home.ecert(number)
    if how == "exchange":
        home.office.app.exchange(JINAN, number)
    else:
        home.office.app.correct(JINAN, number, {"level": "二级"})
    v = verdict(client, old.token)
    assert v["outcome"] == "superseded" and v["superseded"]["reason_label"] == label
    successor = v["superseded"]["successor"]
    assert successor["state"] == "current" and successor["url"] is None  # the new edition is not signed yet
    assert label in client.get(f"/v/{old.token}").text


def test_a_proof_replaced_by_a_newer_proof_points_at_it(home: Home, client: TestClient) -> None:
    first = home.proof("1915010000000734")
    second = home.office.prove_signed("1915010000000734")
    v = verdict(client, first.token)
    assert v["outcome"] == "superseded" and v["superseded"]["by"] == "SM-1915010000000734-02"
    assert v["superseded"]["reason"] is None and v["superseded"]["reason_label"] == "新证明替代"
    assert v["superseded"]["successor"]["url"] == f"/v/{second.token}"


def test_a_revoked_proof_shows_when_and_why(home: Home, client: TestClient) -> None:
    signed = home.proof("1915010000000735")
    home.office.app.revoke(JINAN, "SM-1915010000000735-01", "issued on a forged application")
    v = verdict(client, signed.token)
    assert v["outcome"] == "revoked" and v["genuine"] and not v["current"]
    assert v["revoked"]["reason"] == "issued on a forged application" and v["revoked"]["at"]
    page = client.get(f"/v/{signed.token}").text
    assert "已撤销" in page and "issued on a forged application" in page


def test_a_forged_token_names_the_failed_check_and_shows_nothing_of_the_ledger(home: Home,
                                                                                client: TestClient) -> None:
    bad = forge(home.proof("1915010000000736").token)
    v = verdict(client, bad)
    assert v["outcome"] == "not-genuine" and not v["genuine"]
    assert v["failed_check"]["check"] == "signature" and "does not verify" in v["failed_check"]["detail"]
    assert v["document"] is None
    page = client.get(f"/v/{bad}")
    assert page.status_code == 200
    assert "验证未通过" in page.text and "电子签名" in page.text and "signature" in page.text
    assert "刘建国" not in page.text and "370102" not in page.text


def test_a_genuine_token_the_ledger_never_recorded_is_not_genuine(home: Home, client: TestClient) -> None:
    home.office.issue("1915010000000737")
    draft = home.office.app.draft_proof(JINAN, "1915010000000737", ProofKind.WRITTEN, "lost")
    from ledger.domain import china_date

    unrecorded = home.office.signer().produce(draft.view, china_date(draft.at))  # signed, never committed
    v = verdict(client, unrecorded.token)
    recorded = next(c for c in v["checks"] if c["check"] == "recorded")
    assert v["outcome"] == "not-genuine" and not recorded["ok"] and "not in the ledger" in recorded["detail"]


@pytest.mark.parametrize("text", ["ABC", "not-a-token", "ＡＢＣ", "2KCEHIIBE2QQ", "A" * 1025, "7" * 80])
def test_a_malformed_token_is_a_400_in_json_and_a_not_a_code_page(client: TestClient, text: str) -> None:
    r = client.get(f"/api/v1/verify/{text}")
    assert r.status_code == 400 and r.json()["error"] == "malformed_token"
    page = client.get(f"/v/{text}")
    assert page.status_code == 400 and "不是证书核验码" in page.text and "Not a certledger code" in page.text


@pytest.mark.parametrize("check_seconds", [0.0, ServiceSettings.model_fields["cache_check_seconds"].default])
def test_a_revocation_written_after_a_verification_shows_once_the_cache_has_asked(home: Home,
                                                                                 check_seconds: float) -> None:
    signed = home.proof("1915010000000738")
    with TestClient(create_app(home.settings(cache_check_seconds=check_seconds))) as client:
        assert verdict(client, signed.token)["outcome"] == "current"  # now cached by the worker
        home.office.app.revoke(JINAN, "SM-1915010000000738-01", "wrong holder")
        time.sleep(check_seconds)  # the default: 10 ms
        assert verdict(client, signed.token)["outcome"] == "revoked"


def test_a_repeated_scan_is_answered_from_memory_and_never_past_a_revocation(home: Home) -> None:
    signed = home.proof("1915010000000740")
    with TestClient(create_app(home.settings())) as client:
        service = client.app.state.service
        assert service.remembered_token(signed.token) is None  # never verified: nothing to remember
        for _ in range(3):
            assert verdict(client, signed.token)["outcome"] == "current"
        remembered = service.remembered_token(signed.token)
        assert remembered is not None and remembered.outcome.value == "current"
        home.office.app.revoke(JINAN, "SM-1915010000000740-01", "wrong holder")
        time.sleep(ServiceSettings.model_fields["cache_check_seconds"].default)
        assert service.remembered_token(signed.token) is None  # the store moved: the verdict is made again
        assert verdict(client, signed.token)["outcome"] == "revoked"


def test_a_new_trust_list_is_picked_up_without_a_restart_and_a_bad_one_is_refused(home: Home) -> None:
    signed = home.proof("1915010000000739")
    with TestClient(create_app(home.settings(trust_reload_seconds=0))) as client:
        assert verdict(client, signed.token)["outcome"] == "current"
        kid = home.office.kids[0]
        signed_at = home.office.app.document_by_reference("SM-1915010000000739-01").signatures[0].signed_at
        home.office.app.revoke_key(JINAN, kid, signed_at - timedelta(minutes=1), "key stolen",
                                   publisher=home.office.sign_list)
        home.publish()
        v = verdict(client, signed.token)
        assert v["outcome"] == "not-genuine" and v["failed_check"]["check"] == "key_window"

        (home.path / "trust-list.jws").write_bytes(b"tampered")  # the list in force stays
        assert verdict(client, signed.token)["failed_check"]["check"] == "key_window"


# ----------------------------------------------------------------------------- lookup
def test_a_lookup_by_number_and_name_gives_the_masked_record(home: Home, client: TestClient) -> None:
    home.office.issue("1915010000000742")
    r = client.get("/api/v1/certificates", params={"number": "1915010000000742", "name": "刘建国"})
    assert r.status_code == 200
    body = r.json()
    assert body["holder_name"] == "刘建国" and body["id_number_masked"] == MASKED and body["status"] == "current"
    assert body["occupation"] == "电工" and body["level"] == "三级" and body["issue_date"] == "2019-06-28"
    assert body["authority"]["office"] == "济南市人才服务中心" and body["status_label"] == "有效"
    assert client.get("/api/v1/certificates", params={"number": "1915010000000742", "name": "刘 建国"}).status_code \
        == 200  # a stray space is the same name


def test_a_wrong_name_looks_exactly_like_an_unknown_number(home: Home, client: TestClient) -> None:
    home.office.issue("1915010000000743")
    wrong = client.get("/api/v1/certificates", params={"number": "1915010000000743", "name": "王五"})
    unknown = client.get("/api/v1/certificates", params={"number": "1915010000009999", "name": "刘建国"})
    request = client.get("/api/v1/certificates", params={"number": "SQ-1501-000001", "name": "刘建国"})
    assert wrong.status_code == unknown.status_code == request.status_code == 404
    assert wrong.content == unknown.content == request.content


def test_lookups_are_rate_limited_per_client_with_retry_after(home: Home) -> None:
    with TestClient(create_app(home.settings(lookup_per_minute=3))) as client:
        codes = [client.get("/api/v1/certificates", params={"number": "1915010000000001", "name": "甲"}).status_code
                 for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        r = client.get("/api/v1/certificates", params={"number": "1915010000000001", "name": "甲"})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 20
        assert r.json()["error"] == "rate_limited"


@pytest.mark.parametrize("params", [{"number": "1" * 41, "name": "甲"}, {"number": "19150100", "name": "甲" * 51},
                                    {"number": "1915 0100", "name": "甲"}, {"number": "19150100"}])
def test_lookup_inputs_over_their_limits_are_422_without_echoing_them(client: TestClient,
                                                                      params: dict[str, str]) -> None:
    r = client.get("/api/v1/certificates", params=params)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert "甲甲" not in r.text and "1915 0100" not in r.text


# ------------------------------------------------------------------ the service's files
def test_the_trust_list_is_served_byte_for_byte(home: Home, client: TestClient) -> None:
    r = client.get("/.well-known/certledger/trust-list")
    assert r.status_code == 200 and r.headers["content-type"] == "application/jose"
    assert r.content == (home.path / "trust-list.jws").read_bytes()
    loaded = load_trust_list(r.content, (home.path / "keys" / "root.cert.pem").read_bytes())
    assert list(loaded.keys) == home.office.kids


def test_health_is_ok_with_a_trust_list_and_503_without_one(home: Home, client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    (home.path / "trust-list.jws").unlink()
    (home.path / "keys" / "root.cert.pem").unlink()  # the lists the ledger recorded cannot be verified either
    with TestClient(create_app(home.settings())) as fresh:
        r = fresh.get("/healthz")
        assert r.status_code == 503 and r.json()["error"] == "unavailable"
        assert fresh.get("/v/ABCDEFGH").status_code in (400, 503)


def test_the_openapi_document_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v/{token}", "/api/v1/verify/{token}", "/api/v1/verify/pdf", "/api/v1/certificates",
            "/.well-known/certledger/trust-list", "/healthz", "/api/v1/log/checkpoint", "/api/v1/log/inclusion",
            "/api/v1/log/consistency"} <= set(paths)
    assert client.get("/docs").status_code == 404  # no documentation UI: it would load external assets


# ----------------------------------------------------------------------- privacy and safety
def test_no_page_or_json_ever_contains_a_whole_id_number(home: Home, client: TestClient) -> None:
    current = home.proof("1915010000000744")
    home.office.issue("1915010000000745", "焊工")
    old = home.ecert("1915010000000745")
    home.office.app.reissue(JINAN, "1915010000000745")
    revoked = home.proof("1915010000000746")
    home.office.app.revoke(JINAN, "SM-1915010000000746-01", "test")
    bodies: list[bytes] = []
    for token in (current.token, old.token, revoked.token, forge(current.token)):
        bodies += [client.get(f"/api/v1/verify/{token}").content, client.get(f"/v/{token}").content,
                   client.get(f"/V/{token}").content]
    bodies.append(client.post("/api/v1/verify/pdf", files={"file": ("p.pdf", current.pdf)}).content)
    for number in ("1915010000000744", "1915010000000745", "SM-1915010000000744-01"):
        bodies.append(client.get("/api/v1/certificates", params={"number": number, "name": "刘建国"}).content)
    assert all(MASKED.encode() in b for b in bodies[:3])
    for body in bodies:
        assert ID_NUMBER.encode() not in body and ID_NUMBER[6:14].encode() not in body  # nor the birth date


def test_every_response_carries_the_security_headers(home: Home, client: TestClient) -> None:
    token = home.proof("1915010000000747").token
    for r in (client.get(f"/v/{token}"), client.get(f"/api/v1/verify/{token}"), client.get("/v/x"),
              client.get("/nowhere"), client.get("/healthz"), client.get("/openapi.json")):
        for name, value in SECURITY_HEADERS.items():
            assert r.headers[name] == value
        assert r.headers["content-security-policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")
        assert "strict-transport-security" not in r.headers
    assert client.get(f"/api/v1/verify/{token}").headers["cache-control"] == "no-store"
    with TestClient(create_app(home.settings(hsts=True))) as https:
        assert https.get("/healthz").headers["strict-transport-security"].startswith("max-age=")


def test_an_internal_error_is_a_json_500_without_details_and_logs_no_data(
        home: Home, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(home.settings())

    def explode(text: str) -> None:
        raise RuntimeError(f"secret {ID_NUMBER}")

    monkeypatch.setattr(app.state.service, "verify_token", explode)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level("ERROR", "verify_api"):
        r = client.get("/api/v1/verify/ANYTHINGATALL")
    assert r.status_code == 500 and r.json() == {"error": "internal", "message": "internal error; nothing was changed"}
    assert "RuntimeError" in caplog.text and ID_NUMBER not in caplog.text and "secret" not in caplog.text
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_access_log_cuts_paths_short_and_never_shows_query_strings(home: Home,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    token = home.proof("1915010000000748").token
    with TestClient(create_app(home.settings(access_log=True))) as client, \
            caplog.at_level("INFO", "verify_api.access"):
        client.get(f"/v/{token}")
        client.get("/api/v1/certificates", params={"number": "1915010000000748", "name": "刘建国"})
    lines = [r.getMessage() for r in caplog.records if r.name == "verify_api.access"]
    assert len(lines) == 2 and lines[0].startswith("GET /v/") and " 200 " in lines[0]
    assert token not in caplog.text and token[:30] not in caplog.text
    assert "刘建国" not in caplog.text and "number=" not in caplog.text


def test_the_json_bodies_match_the_documented_schemas(home: Home, client: TestClient) -> None:
    from verify_api.schemas.lookup import LookupOut
    from verify_api.schemas.verification import VerificationOut

    signed = home.proof("1915010000000752")
    for token in (signed.token, forge(signed.token)):
        VerificationOut.model_validate(verdict(client, token))
    LookupOut.model_validate(client.get("/api/v1/certificates",
                                        params={"number": "1915010000000752", "name": "刘建国"}).json())
    assert json.loads(client.get("/healthz").content)["keys"] == 1


def test_the_service_refuses_to_start_without_a_ledger(tmp_path: Path) -> None:
    from verify_api.service import LedgerUnavailable
    from verify_api.settings import ServiceSettings

    with pytest.raises(LedgerUnavailable, match="certledger init"):
        create_app(ServiceSettings(home=tmp_path / "nothing", store="sqlite"))


def test_a_professional_certificates_verdict_names_the_examination_authority_and_the_ministrys_lookup(
        home: Home, client: TestClient) -> None:
    # seed 004 三(一): 查询验证结果显示为标注“人力资源和社会保障部人事考试中心提供查询结果”字样; 中国人事考试网
    home.office.app.issue(JINAN, {"family": "professional", "number": "ZS2019ABC123", "authority": "1501",
                                  "holder_name": "王芳", "gender": "男", "id_number": ID_NUMBER,
                                  "occupation": "一级建造师", "level": "一级", "issue_date": "2019-12-20"})
    v = verdict(client, home.ecert("ZS2019ABC123").token)
    doc = v["document"]
    assert v["outcome"] == "current" and doc["family"] == "professional"
    assert (doc["authority"]["code"], doc["authority"]["office"]) == ("1500", "山东省人事考试中心")
    assert doc["examination"] == {"result_provider": "人力资源和社会保障部人事考试中心",
                                  "verification_mark": "人力资源和社会保障部人事考试中心提供查询结果",
                                  "lookup_site": "中国人事考试网"}
    page = client.get(f"/V/{home.ecert('ZS2019ABC123').token}").text
    assert "山东省人事考试中心" in page and "人力资源和社会保障部人事考试中心提供查询结果" in page
    assert "中国人事考试网" in page and "济南市人才服务中心" not in page  # not the city's skill office
    skill = verdict(client, home.proof("1915010000000731").token)["document"]
    assert "examination" not in skill and skill["authority"]["office"] == "济南市人才服务中心"
