"""Console fixtures: a home made by the installed command (init, a certificate, the first head account), copied
for each test, and the console application on it in this process (FastAPI's TestClient)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import resident_id
from tests.e2e.conftest import PASSPHRASES, Cli

HEAD_PASSWORD = PASSPHRASES["CERTLEDGER_OPERATOR_PASSPHRASE"]  # the head is init's operator: her credential's
CLERK_PASSWORD = "clerk-window-secret-1501"
REVIEWER_PASSWORD = "reviewer-desk-secret-1501"
NUMBER = "1915010000123456"  # 电工 三级, Jinan: the occupation left the catalog (seed 000)
HOLDER_ID = "37012419900101123X"
ORIGIN = "http://testserver"
WELDER = "1915010000654321"  # 焊工 四级: still in the catalog, so reissued under its number
WELDER_ID = resident_id(date(1988, 7, 9))


@pytest.fixture(scope="session")
def made_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("console-home")
    cli = Cli(root / "home", root)
    for args in (("init", "--office", "1501", "--operator", "张三"),
                 ("issue", "--number", NUMBER, "--name", "王五", "--gender", "男", "--id-number", HOLDER_ID,
                  "--occupation", "电工", "--level", "三级", "--theory", "80", "--practical", "75",
                  "--date", "2019-06-01"),
                 ("issue", "--number", WELDER, "--name", "孙九", "--gender", "男", "--id-number", WELDER_ID,
                  "--occupation", "焊工", "--level", "四级", "--theory", "85", "--practical", "88",
                  "--date", "2019-09-01"),
                 ("console", "account", "add", "--username", "张三", "--role", "head")):
        r = cli(*args)
        assert r.code == 0, r.err
    return root / "home"


@pytest.fixture
def home(made_home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(made_home, copy)
    return copy


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home, home.parent)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def console_settings(home: Path, **extra: object) -> Any:
    """The console's settings on the test home (and its config.json): a quick key derivation, the development
    key passphrase, and any `extra` setting."""
    from console.settings import ConsoleSettings

    return ConsoleSettings(home=home, key_kdf_cost=14,  # type: ignore[arg-type]
                           key_passphrase=PASSPHRASES["CERTLEDGER_KEY_PASSPHRASE"], **extra).with_file()


@pytest.fixture
def app(home: Path, clock: Clock) -> Iterator[object]:
    from console.app import create_app
    from console.state import Console

    settings = console_settings(home)
    console = Console.from_settings(settings)
    console.clock = clock
    application = create_app(settings, console=console)
    yield application
    console.close()


def client_of(app: object) -> TestClient:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    client.headers["origin"] = ORIGIN
    return client


@pytest.fixture
def chromium() -> Iterator[object]:
    """Debian's Chromium under Playwright (tests.console.serving)."""
    from tests.console.serving import chromium_browser

    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def browser(app: object) -> TestClient:
    return client_of(app)


def csrf_of(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def log_in(client: TestClient, username: str, password: str, totp: str = "") -> str:
    """Log in and return the session's CSRF token (read from the queue page)."""
    r = client.post("/login", data={"username": username, "password": password, "totp": totp})
    assert r.status_code == 303, r.text
    page = client.get("/")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def post(client: TestClient, path: str, csrf: str, **data: str) -> object:
    return client.post(path, data={"csrf": csrf, **data})
