"""The monthly batch through the console's pages (in process): Jinan (1501) exports and downloads its package;
the provincial centre (1500) uploads it, sees the report row by row, imports it; a broken package is refused
naming its file and row, importing nothing; a clerk of a city cannot import, a reviewer cannot export."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch.conftest import Person
from tests.console.batch_home import CENTRE_HEAD, make_batch_home
from tests.console.conftest import HEAD_PASSWORD, client_of, console_settings, csrf_of, log_in, post
from tests.e2e.conftest import Cli


@pytest.fixture(scope="module")
def made_batch_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Person]]:
    return make_batch_home(tmp_path_factory.mktemp("batch-home"))


@pytest.fixture
def batch_home(made_batch_home: tuple[Path, list[Person]], tmp_path: Path) -> Path:
    shutil.copytree(made_batch_home[0], tmp_path / "home")
    return tmp_path / "home"


def _app(home: Path, office: str) -> Iterator[object]:
    from console.app import create_app
    from console.state import Console

    settings = console_settings(home, office=office)
    settings = settings.model_copy(update={"office": office})
    console = Console.from_settings(settings)
    yield create_app(settings, console=console)
    console.close()


@pytest.fixture
def city(batch_home: Path) -> Iterator[object]:
    yield from _app(batch_home, "1501")


@pytest.fixture
def centre(batch_home: Path) -> Iterator[object]:
    yield from _app(batch_home, "1500")


def _export(city: object) -> tuple[str, bytes]:
    client = client_of(city)
    csrf = log_in(client, "张三", HEAD_PASSWORD)
    form = client.get("/batch")
    assert form.status_code == 200 and "导出本月批次包" in form.text
    month = form.text.split('name="month" value="', 1)[1][:6]
    r = post(client, "/batch/export", csrf, month=month, format="xls")
    assert r.status_code == 200, r.text
    name = r.text.split('href="/batch/exports/', 1)[1].split('"', 1)[0]
    download = client.get(f"/batch/exports/{name}")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    return name, download.content


def _upload(client: object, csrf: str, name: str, data: bytes) -> object:
    return client.post("/batch/check", data={"csrf": csrf},  # type: ignore[attr-defined]
                       files={"package": (name, data, "application/zip")})


def test_a_city_exports_and_the_centre_checks_and_imports_through_the_pages(city, centre, batch_home,
                                                                            made_batch_home) -> None:
    name, data = _export(city)
    assert name.endswith("证书补换数据(济南市).zip") and zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    head = client_of(centre)
    csrf = log_in(head, CENTRE_HEAD, HEAD_PASSWORD)
    assert "上传并检查" in head.get("/batch").text
    checked = _upload(head, csrf, name, data)
    assert checked.status_code == 200, checked.text
    assert "没有问题，可以导入" in checked.text and checked.text.count('class="match" data-row=') == 3
    persons = made_batch_home[1]
    assert all(p.id_number not in checked.text for p in persons)  # the report shows no ID number
    handle = checked.text.split('name="upload" value="', 1)[1][:16]
    imported = post(head, "/batch/import", csrf, upload=handle)
    assert imported.status_code == 200, imported.text
    assert "已导入 2 个批次，3 件申请已报送" in imported.text
    for person in persons:
        assert f"/requests/{person.requests[0]}" in imported.text
        assert "已报送" in head.get(f"/requests/{person.requests[0]}").text
    again = post(head, "/batch/import", csrf, upload=handle)
    assert again.status_code == 409 and "已存在" in again.text
    audit = Cli(batch_home, batch_home.parent)("audit", "verify")
    assert audit.code == 0, audit.out + audit.err


def test_a_broken_row_is_shown_on_its_row_and_nothing_is_imported(city, centre, made_batch_home) -> None:
    name, data = _export(city)
    # The builders' sheet loses its photo of 王五: that row, and only that row, has a problem.
    wang = made_batch_home[1][1]
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(broken, "w") as out:
        for info in src.infolist():
            if not info.filename.endswith(f"/{wang.id_number}.jpg"):
                out.writestr(info, src.read(info))
    head = client_of(centre)
    csrf = log_in(head, CENTRE_HEAD, HEAD_PASSWORD)
    checked = _upload(head, csrf, name, broken.getvalue())
    assert checked.status_code == 422 and "检查未通过" in checked.text
    assert checked.text.count('class="mismatch" data-row=') == 1 and 'name="upload"' not in checked.text
    assert wang.id_number not in checked.text
    from console.batch import keep_upload  # no import form; the handle the upload was kept under, posted anyway

    handle = keep_upload(Path(centre.state.console.settings.home), name, broken.getvalue())  # type: ignore[attr-defined]
    refused = post(head, "/batch/import", csrf, upload=handle)
    assert refused.status_code == 409 and "未导入" in refused.text
    for person in made_batch_home[1]:
        assert "已报送" not in head.get(f"/requests/{person.requests[0]}").text


def test_the_roles_and_offices_of_the_batch(city, centre) -> None:
    head = client_of(city)
    csrf = log_in(head, "张三", HEAD_PASSWORD)
    r = _upload(head, csrf, "x.zip", b"PK")  # a city's head may not import: the ledger's rule
    assert r.status_code in (400, 409, 422)
    r = _upload(head, csrf, "notes.txt", b"hello")
    assert r.status_code == 400 and "字段「批次包」" in r.text
    r = post(head, "/batch/export", csrf, month="2026-13", format="xls")
    assert r.status_code == 400 and "字段「" in r.text
    r = post(head, "/batch/export", csrf, month="202611", format="pdf")
    assert r.status_code == 400 and "字段「" in r.text
    assert head.get("/batch/exports/..%2Fledger.sqlite").status_code == 404
    nobody = client_of(city)
    assert nobody.get("/batch").status_code == 303
    r = nobody.post("/batch/import", data={"upload": "0" * 16})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = head.get("/batch").text
    r = head.post("/batch/export", data={"csrf": csrf_of(page), "month": "202611"}, headers={"origin": "http://evil"})
    assert r.status_code == 403 and "跨站请求被拒绝" in r.text
