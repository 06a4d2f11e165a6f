"""Export, check and import through the application, on each store; the files read by independent readers."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
import xlrd  # type: ignore[import-untyped]
from pypdf import PdfReader

from formats.batch_package import ExportResult, read_package, write_package
from ledger.application import CertLedger
from ledger.batch import ReissueBatch, batch_id
from ledger.batch_check import Package
from ledger.batch_plan import BatchEntry, plan_export
from ledger.batch_rules import FIELDS, BatchRejected
from ledger.domain import RequestKind
from ledger.errors import AlreadyExists, InvalidInput, RuleViolation
from ledger.reference import authority
from ledger.values import parse_certificate
from signing.batch_forms import render_paper
from tests.batch import packages
from tests.batch.conftest import BUILDER, CENTER, JINAN, QINGDAO, Person, approve, issue, jinan, people
from tests.batch.photos import id_photo
from tests.conftest import AppFactory, Clock, on_backends, resident_id

memory_only = on_backends("memory")
MONTH = "202405"  # the test clock's month
BUILDER_SHEET = f"{MONTH}-034-一级建造师(证书补换印制信息)数据(济南市)(2人)"
SOFTWARE_SHEET = f"{MONTH}-024-计算机技术与软件专业技术资格(证书补换印制信息)数据(济南市)(1人)"


def export(app: CertLedger, out: Path, fmt: str = "XLS", paper: bool = False) -> ExportResult:
    plan = plan_export("1501", MONTH, app.batch_entries(JINAN, "1501", MONTH), app.batch_photo, fmt)
    files = render_paper(plan, authority("1501"), app.today()) if paper else ()
    return write_package(plan, out, files, now=app.now())


def read(path: Path) -> Package:
    return read_package(path, today=date(2024, 5, 31))


@pytest.fixture
def app(make_app: AppFactory) -> CertLedger:
    return make_app()


@on_backends("memory", "sqlite", "postgres")
def test_an_exported_package_checks_clean_and_imports_linking_each_row_to_its_request(
        app: CertLedger, tmp_path: Path) -> None:
    persons = jinan(app, people())
    result = export(app, tmp_path)
    assert result.rows == 3 and result.package.name == "202405-证书补换数据(济南市).zip"

    package = read(result.package)
    report = app.check_batch(CENTER, package)
    assert report.ok, [p.line() for p in report.problems]
    before = app.count_events()

    imported = app.import_batch(CENTER, package)

    assert imported.imported and imported.batches == ("202405-024-1501", "202405-034-1501")
    assert app.count_events() == before + 2 + 3  # two batches, three Forwarded events: one save
    for person in persons:
        shown = app.show(person.requests[0])
        assert [s.stage for s in shown.steps][-1] == "forwarded"  # type: ignore[union-attr]
        last = app.history(person.requests[0])[-1]
        assert last.summary.startswith("forwarded in batch 202405-0") and last.office == "1500"
    builders: ReissueBatch = app.repository.get(batch_id("1501", MONTH, "034"))
    assert [(r["row"], r["zsglh"], r["request"]) for r in builders.rows] == [
        (2, "ZS2015000001", persons[1].requests[0]), (3, "ZS2018000002", persons[0].requests[0])]
    assert builders.package_sha256 == result.sha256 and builders.imported_by["office"] == "1500"
    assert app.blobs.check(result.sha256).value == "ok"  # type: ignore[union-attr]  # the package is kept


@memory_only
def test_the_xls_opens_in_xlrd_with_every_cell_a_text_cell_in_the_text_format(app: CertLedger, tmp_path: Path) -> None:
    persons = jinan(app, people())
    content = packages.entries(export(app, tmp_path).package)
    book = xlrd.open_workbook(file_contents=content[f"{BUILDER_SHEET}.XLS"], formatting_info=True)
    sheet = book.sheet_by_index(0)
    assert book.biff_version == 80  # BIFF8: Excel 97-2003
    cells = [sheet.cell(r, c) for r in range(sheet.nrows) for c in range(sheet.ncols)]
    assert {c.ctype for c in cells} == {xlrd.XL_CELL_TEXT}
    assert {book.format_map[book.xf_list[c.xf_index].format_key].format_str for c in cells} == {"@"}
    wang, li = persons[1], persons[0]
    assert sheet.row_values(0) == list(FIELDS)
    assert sheet.row_values(1) == [wang.number, "王五", wang.id_number, "居民身份证", "男", "一级", "建筑工程",
                                   "1985-03", "2015-06-01", wang.photo_name, "济南市"]
    assert sheet.row_values(2) == [li.number, "李红", li.id_number, "居民身份证", "女", "一级", "市政公用工程",
                                   "1990-07", "2018-09-15", "", "济南市"]  # from 2017: no photo, an empty text cell


@memory_only
def test_the_xlsx_option_opens_in_openpyxl_with_every_cell_a_string(app: CertLedger, tmp_path: Path) -> None:
    jinan(app, people())
    result = export(app, tmp_path, fmt="XLSX")
    content = packages.entries(result.package)
    book = openpyxl.load_workbook(BytesIO(content[f"{BUILDER_SHEET}.XLSX"]))
    rows = list(book.worksheets[0].iter_rows())
    assert [c.value for c in rows[0]] == list(FIELDS) and len(rows) == 3
    # Shared or inline strings, both text; the empty photo cell of a 2018 certificate is an empty inline string.
    assert {c.data_type for row in rows for c in row} == {"s", "inlineStr"}
    assert {type(c.value) for row in rows for c in row if c.data_type == "s"} == {str}
    assert {c.number_format for row in rows for c in row} == {"@"}
    assert read(result.package).problems == ()
    assert app.check_batch(CENTER, read(result.package)).ok


@memory_only
def test_the_zip_holds_the_sheets_their_photo_folders_named_alike_and_the_paper_side(
        app: CertLedger, tmp_path: Path) -> None:
    persons = jinan(app, people())
    result = export(app, tmp_path, paper=True)
    with zipfile.ZipFile(result.package) as zf:
        names = sorted(zf.namelist())
    assert names == sorted([
        f"{BUILDER_SHEET}.XLS", f"{BUILDER_SHEET}/", f"{BUILDER_SHEET}/{persons[1].photo_name}",
        f"{SOFTWARE_SHEET}.XLS", f"{SOFTWARE_SHEET}/", f"{SOFTWARE_SHEET}/{persons[2].photo_name}",
        "纸质材料/202405-证书补发(更换)统计汇总表(济南市).pdf",
        "纸质材料/202405-034-一级建造师-专业技术人员职业资格证书补发(更换)申请表(济南市)(2人).pdf",
        "纸质材料/202405-024-计算机技术与软件专业技术资格-专业技术人员职业资格证书补发(更换)申请表(济南市)(1人).pdf",
    ])
    photo = packages.entries(result.package)[f"{BUILDER_SHEET}/{persons[1].photo_name}"]
    assert photo == persons[1].photo


def test_the_paper_side_lists_persons_by_approval_date_on_numbered_pages() -> None:
    entries = []
    for i in range(45):  # three pages of twenty
        born = date(1970, 1, 1) + timedelta(days=97 * i)
        data = parse_certificate({"family": "professional", "number": f"ZS{i:010d}", "authority": "1501",
                                  "holder_name": f"测试{i}", "gender": "男", "id_number": resident_id(born),
                                  "occupation": "一级建造师", "exam_code": "034", "level": "一级",
                                  "specialty": "建筑工程", "issue_date": f"{2017 + i % 7}-0{1 + i % 9}-1{i % 10}"})
        entries.append(BatchEntry(f"SQ-{i}", "reissue" if i % 3 else "exchange", data, "", None))  # type: ignore[arg-type]
    plan = plan_export("1501", MONTH, entries, lambda sha: b"")
    files = dict(render_paper(plan, authority("1501"), date(2024, 5, 31)))
    form = PdfReader(BytesIO(files["202405-034-一级建造师-专业技术人员职业资格证书补发(更换)申请表(济南市)(45人).pdf"]))
    pages = [p.extract_text() for p in form.pages]
    assert len(pages) == 3 and all(f"第 {n} 页/共 3 页" in text for n, text in enumerate(pages, start=1))
    text = "".join(pages)
    dates = sorted(e.data.issue_date for e in entries)
    positions = [text.index(d) for d in dict.fromkeys(dates)]
    assert positions == sorted(positions)  # persons ordered by pass date
    summary = PdfReader(BytesIO(files["202405-证书补发(更换)统计汇总表(济南市).pdf"])).pages[0].extract_text()
    assert "证书补发(更换)统计汇总表" in summary and "第 1 页/共 1 页" in summary and "45" in summary


@memory_only
def test_a_pre_2017_certificate_without_a_photo_stops_the_export_naming_the_request(
        app: CertLedger, tmp_path: Path) -> None:
    app.ensure_default_catalog(JINAN)
    wang = people()[1]
    issue(app, wang, with_photo=False)
    request = approve(app, wang)
    with pytest.raises(BatchRejected) as refused:
        export(app, tmp_path / "out")
    (problem,) = refused.value.findings
    assert (problem.file, problem.row, problem.field) == (f"{BUILDER_SHEET.replace('2人', '1人')}.XLS", 2, "ZP")
    assert request in problem.message and f"certledger batch photo {request}" in problem.message
    assert not (tmp_path / "out").exists()  # nothing written


@memory_only
def test_a_photo_attached_to_the_request_is_sent_instead_of_the_certificates(app: CertLedger, tmp_path: Path) -> None:
    app.ensure_default_catalog(JINAN)
    wang = people()[1]
    issue(app, wang, with_photo=False)
    request = approve(app, wang)
    new_photo = id_photo(9)
    app.attach_request_photo(JINAN, request, new_photo)
    assert app.history(request)[-1].summary.startswith("photo attached (sha256 ")
    content = packages.entries(export(app, tmp_path).package)
    assert content[f"{BUILDER_SHEET.replace('2人', '1人')}/{wang.photo_name}"] == new_photo


@memory_only
def test_a_photo_breaking_the_rule_is_refused_when_attached(app: CertLedger) -> None:
    app.ensure_default_catalog(JINAN)
    wang = people()[1]
    issue(app, wang)
    request = approve(app, wang)
    with pytest.raises(InvalidInput, match="300×400 px"):
        app.attach_request_photo(JINAN, request, id_photo(2, size=(300, 400)))
    with pytest.raises(RuleViolation):
        app.attach_request_photo(QINGDAO, request, id_photo(2))


@memory_only
def test_only_this_months_approved_professional_reissues_and_exchanges_are_exported(
        app: CertLedger, clock: Clock) -> None:
    persons = jinan(app, people())
    pending = app.apply(JINAN, RequestKind.REISSUE, persons[1].number, "王五").number  # applied, not approved
    proof = app.apply(JINAN, RequestKind.PROOF, persons[0].number, "李红").number
    app.accept(JINAN, proof)
    app.review(JINAN, proof, approve=True)
    app.issue(JINAN, {"number": "2415010000000001", "holder_name": "孙七", "gender": "男", "id_number": resident_id(),
                      "occupation": "焊工", "level": "三级", "issue_date": "2024-01-02"})
    skill = app.apply(JINAN, RequestKind.REISSUE, "2415010000000001", "孙七").number
    app.accept(JINAN, skill)
    app.review(JINAN, skill, approve=True)
    clock.current += timedelta(days=31)  # June
    later = Person("ZS2016000009", "周八", resident_id(serial=55), BUILDER, "二级", "建筑工程", "2016-01-05",
                   photo=id_photo(6))
    issue(app, later)
    approve(app, later)

    may = {e.request_number for e in app.batch_entries(JINAN, "1501", MONTH)}
    june = {e.request_number for e in app.batch_entries(JINAN, "1501", "202406")}

    assert may == {p.requests[0] for p in persons} and pending not in may
    assert june == set(later.requests)


@memory_only
def test_a_city_exports_only_its_own_batch_and_the_center_only_imports(app: CertLedger, tmp_path: Path) -> None:
    jinan(app, people())
    with pytest.raises(RuleViolation, match="each city sends its own"):
        app.batch_entries(QINGDAO, "1501", MONTH)
    package = read(export(app, tmp_path).package)
    for office in (JINAN, QINGDAO):
        with pytest.raises(RuleViolation):
            app.import_batch(office, package)
    assert app.check_batch(JINAN, package).ok  # the city may check its own package before sending it
    with pytest.raises(RuleViolation):
        app.check_batch(QINGDAO, package)


@memory_only
def test_a_package_is_imported_once(app: CertLedger, tmp_path: Path) -> None:
    jinan(app, people())
    package = read(export(app, tmp_path).package)
    app.import_batch(CENTER, package)
    events = app.count_events()
    with pytest.raises(AlreadyExists, match="already imported as batch 202405-"):
        app.import_batch(CENTER, package)
    assert app.count_events() == events


@memory_only
def test_values_disagreeing_with_the_database_are_refused_by_row_and_nothing_is_recorded(
        app: CertLedger, tmp_path: Path) -> None:
    jinan(app, people())
    original = export(app, tmp_path / "out").package
    sheet = f"{BUILDER_SHEET}.XLS"

    def edit(content: packages.Entries) -> None:
        packages.set_cell(content, sheet, 2, "KSXM", "王武")
        packages.set_cell(content, sheet, 3, "BKJB", "二级")
        packages.set_cell(content, sheet, 3, "BKZY", "建筑工程")
        packages.set_cell(content, sheet, 2, "PZRQ", "2015-06-02")

    package = read(packages.rewrite(original, tmp_path / "edited.zip", edit))
    report = app.check_batch(CENTER, package)
    assert {(p.file, p.row, p.field) for p in report.problems} == {
        (sheet, 2, "KSXM"), (sheet, 3, "BKJB"), (sheet, 3, "BKZY"), (sheet, 2, "PZRQ")}
    events = app.count_events()
    with pytest.raises(BatchRejected):
        app.import_batch(CENTER, package)
    assert app.count_events() == events


@memory_only
def test_a_request_forwarded_in_an_earlier_batch_cannot_be_sent_again(app: CertLedger, tmp_path: Path,
                                                                      clock: Clock) -> None:
    persons = jinan(app, people())
    original = export(app, tmp_path / "out").package
    app.import_batch(CENTER, read(original))

    def as_june(content: packages.Entries) -> None:
        for name in list(content):
            content[name.replace(f"{MONTH}-", "202406-", 1)] = content.pop(name)

    clock.current += timedelta(days=31)  # June
    report = app.check_batch(CENTER, read_package(packages.rewrite(original, tmp_path / "june.zip", as_june),
                                                  today=date(2024, 6, 30)))
    forwarded = [p for p in report.problems if p.field == "ZSGLH"]
    assert len(forwarded) == 3
    assert f"request {persons[1].requests[0]} for ZS2015000001 was already forwarded in batch 202405-034-1501" in {
        p.message for p in forwarded}


@memory_only
def test_a_row_without_an_approved_request_is_refused(app: CertLedger, tmp_path: Path) -> None:
    jinan(app, people())
    original = export(app, tmp_path / "out").package
    extra = Person("ZS2019000004", "钱九", resident_id(serial=66), BUILDER, "一级", "建筑工程", "2019-03-03")
    issue(app, extra)  # on record, but nobody asked for its reissue

    def add_row(content: packages.Entries) -> None:
        old = f"{BUILDER_SHEET}.XLS"
        rows = packages.xls_rows(content[old])
        rows.append([extra.number, extra.name, extra.id_number, "居民身份证", "男", "一级", "建筑工程", "1985-03",
                     "2019-03-03", "", "济南市"])
        content[old] = packages.xls_from_rows(rows)
        packages.rename_sheet(content, old, old.replace("(2人)", "(3人)"), folder_too=True)

    report = app.check_batch(CENTER, read(packages.rewrite(original, tmp_path / "more.zip", add_row)))
    assert [(p.row, p.field, p.message) for p in report.problems] == [
        (4, "ZSGLH", "no approved reissue or exchange request of office 1501 for ZS2019000004")]


@memory_only
def test_a_package_zipped_on_chinese_windows_with_gbk_names_and_backslashes_is_read(
        app: CertLedger, tmp_path: Path) -> None:
    jinan(app, people())
    content = packages.entries(export(app, tmp_path / "out").package)
    legacy = {name.replace("/", "\\"): data for name, data in content.items() if not name.endswith("/")}
    package = read(packages.write_gbk(tmp_path / "gbk.zip", legacy))
    assert package.problems == () and package.rows == 3
    assert {s.file for s in package.sheets} == {f"{BUILDER_SHEET}.XLS", f"{SOFTWARE_SHEET}.XLS"}
    assert app.check_batch(CENTER, package).ok


@memory_only
def test_a_revoked_certificate_is_not_exported(app: CertLedger, tmp_path: Path) -> None:
    persons = jinan(app, people())
    app.revoke(JINAN, persons[0].number, "证书被撤销")
    with pytest.raises(BatchRejected) as refused:
        export(app, tmp_path / "out")
    assert [(p.file, p.row, p.field) for p in refused.value.findings] == [(f"{BUILDER_SHEET}.XLS", 3, "ZSGLH")]
