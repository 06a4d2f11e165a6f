"""本人账号: an operator enrols TOTP for her own account (the secret kept in her session until a code and her
password confirm it); from then on a login without the code is refused; a wrong code or password enrols
nothing; a cross-site post is refused."""

from __future__ import annotations

import pyotp

from tests.console.conftest import CLERK_PASSWORD, client_of, csrf_of, log_in, post
from tests.console.test_access import make_staff


def _secret(html: str) -> str:
    start = html.index('id="totp-secret">') + len('id="totp-secret">')
    return html[start:html.index("</code>", start)].replace(" ", "")


def test_a_clerk_enrols_totp_and_later_logins_need_the_code(app) -> None:
    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    assert "未启用" in clerk.get("/me").text
    assert post(clerk, "/me/totp", csrf, code="123456", password=CLERK_PASSWORD).status_code == 409  # no secret yet
    assert post(clerk, "/me/totp/start", csrf).status_code == 303
    secret = _secret(clerk.get("/me").text)
    code = pyotp.TOTP(secret).now()
    r = post(clerk, "/me/totp", csrf, code=code, password="not-her-password")
    assert r.status_code == 400 and "字段「密码」" in r.text
    r = post(clerk, "/me/totp", csrf, code="000000" if code != "000000" else "111111", password=CLERK_PASSWORD)
    assert r.status_code == 400 and "字段「动态口令」" in r.text
    assert app.state.console.accounts.get("李四").totp_secret is None  # nothing enrolled by the refusals
    forged = clerk.post("/me/totp", data={"csrf": csrf, "code": code, "password": CLERK_PASSWORD},
                        headers={"origin": "https://evil.example"})
    assert forged.status_code == 403 and app.state.console.accounts.get("李四").totp_secret is None
    assert post(clerk, "/me/totp", csrf, code=code, password=CLERK_PASSWORD).status_code == 303
    assert "已启用" in clerk.get("/me").text

    later = client_of(app)
    refused = later.post("/login", data={"username": "李四", "password": CLERK_PASSWORD, "totp": ""})
    assert refused.status_code == 401
    r = later.post("/login", data={"username": "李四", "password": CLERK_PASSWORD,
                                   "totp": pyotp.TOTP(secret).now()})
    assert r.status_code == 303
    assert "工作台" in later.get("/").text and csrf_of(later.get("/").text)


def test_a_logged_out_browser_cannot_open_or_post_the_own_account_page(app) -> None:
    anonymous = client_of(app)
    assert anonymous.get("/me").status_code in (303, 401)
    assert anonymous.post("/me/totp/start", data={"csrf": "x"}).status_code in (303, 401, 403)


def test_a_clerk_changes_her_password_and_her_credential_opens_only_with_the_new_one(app) -> None:
    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    console = app.state.console
    account = console.accounts.get("李四")
    held = next(h for h in console.credentials.held() if h.credential == account.credential)
    key_file = console.credentials.directory / f"{held.credential[:16]}.key.pem"
    sealed = key_file.read_bytes()
    new = "li-si-has-a-new-password-2026"
    refusals = [({"password": "not-hers", "new_password": new, "confirm": new}, "字段「当前密码」"),
                ({"password": CLERK_PASSWORD, "new_password": new, "confirm": new + "x"}, "字段「确认新密码」"),
                ({"password": CLERK_PASSWORD, "new_password": "abc", "confirm": "abc"}, "字段「新密码」"),
                ({"password": CLERK_PASSWORD, "new_password": CLERK_PASSWORD, "confirm": CLERK_PASSWORD},
                 "字段「新密码」")]
    for form, says in refusals:
        r = post(clerk, "/me/password", csrf, **form)
        assert r.status_code == 400 and says in r.text, (form, r.text[:300])  # type: ignore[attr-defined]
    forged = clerk.post("/me/password", data={"csrf": csrf, "password": CLERK_PASSWORD, "new_password": new,
                                               "confirm": new}, headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    assert key_file.read_bytes() == sealed and console.accounts.get("李四").password_hash == account.password_hash
    r = post(clerk, "/me/password", csrf, password=CLERK_PASSWORD, new_password=new, confirm=new)
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert "密码已修改" in clerk.get("/me?password=changed").text
    assert key_file.read_bytes() != sealed

    old = client_of(app).post("/login", data={"username": "李四", "password": CLERK_PASSWORD, "totp": ""})
    assert old.status_code == 401
    fresh = client_of(app)
    assert fresh.post("/login", data={"username": "李四", "password": new, "totp": ""}).status_code == 303
    assert "工作台" in fresh.get("/").text  # the credential opened with the new password: she can act
