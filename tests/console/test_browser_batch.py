"""The monthly batch in Debian's Chromium, through the pages only: Jinan's head exports the month's package and
downloads it from the city's console; the provincial centre's head uploads it to the centre's console, reads
the report row by row and imports it; the requests are then forwarded (已报送)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.batch_home import CENTRE_HEAD, make_batch_home
from tests.console.conftest import HEAD_PASSWORD
from tests.console.serving import CHROMIUM, console_process, log_in_page
from tests.e2e.conftest import Cli

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]


def test_a_provincial_centre_imports_a_citys_batch_through_the_pages(tmp_path: Path, chromium: object) -> None:
    home, persons = make_batch_home(tmp_path)
    cli = Cli(home, tmp_path)
    with console_process(cli) as city_base:
        city = log_in_page(chromium, city_base, "张三", HEAD_PASSWORD, accept_downloads=True)
        city.click("text=月度批次")
        city.click("text=导出批次包")
        assert "批次包已生成" in city.content()
        with city.expect_download() as downloading:  # type: ignore[attr-defined]
            city.click("#download")
        download = downloading.value
        package = tmp_path / download.suggested_filename
        download.save_as(package)
    assert package.name.endswith("证书补换数据(济南市).zip") and package.stat().st_size > 1000

    with console_process(cli, "--office", "1500", "--operator", CENTRE_HEAD) as centre_base:
        centre = log_in_page(chromium, centre_base, CENTRE_HEAD, HEAD_PASSWORD)
        centre.click("text=月度批次")
        centre.set_input_files("#package", str(package))
        centre.click("text=上传并检查")
        assert "没有问题，可以导入" in centre.locator("#outcome").inner_text()
        assert centre.locator("table.rows tbody tr.match").count() == 3
        centre.click("#import")
        assert "已导入 2 个批次，3 件申请已报送" in centre.locator("#outcome").inner_text()
        centre.click(f"text={persons[0].requests[0]}")
        assert "已报送" in centre.content()
    audit = cli("audit", "verify")
    assert audit.code == 0, audit.out + audit.err
