"""The paper side of a monthly reissue batch (seed 004 附件 二5, 三), as PDF.

《证书补发(更换)统计汇总表》 and 《专业技术人员职业资格证书补发(更换)申请表》: the forms' content
equals the spreadsheets', persons ordered by pass date, pages numbered "第 X 页/共 X 页".
Drawn on a reportlab canvas with the embedded WenQuanYi subset font. Reads the export plan
(ledger.batch_plan); formats.batch_package writes the package, the command passes these files in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from io import BytesIO

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ledger.batch_plan import ExportPlan, PlannedSheet
from ledger.reference import Authority
from signing.errors import RenderError
from signing.fonts import FONT_NAME, load_font
from signing.render import chinese_date

SUMMARY_TITLE = "证书补发(更换)统计汇总表"
FORM_TITLE = "专业技术人员职业资格证书补发(更换)申请表"
KIND_LABELS = {"reissue": "补发", "exchange": "更换"}
FORM_COLUMNS = (("序号", 10), ("管理号", 34), ("姓名", 20), ("性别", 10), ("证件类别", 26), ("证件号码", 42),
                ("出生年月", 18), ("级别", 14), ("专业", 30), ("批准日期", 22), ("补换类别", 16), ("照片", 25))
FORM_ROWS_PER_PAGE = 20
SUMMARY_COLUMNS = (("序号", 12), ("考试代码", 20), ("考试名称", 58), ("补发人数", 20), ("更换人数", 20),
                   ("合计", 18), ("照片数", 16), ("备注", 16))
SUMMARY_ROWS_PER_PAGE = 28


def render_paper(plan: ExportPlan, office: Authority, on: date, advance: Callable[[], object] | None = None
                 ) -> list[tuple[str, bytes]]:
    """The summary table and one application form per exam, as (file name, PDF bytes)."""
    font = load_font()
    texts = [office.office, office.phone, plan.city_area, *(s.name.exam_name for s in plan.sheets)]
    texts += [v for s in plan.sheets for r in s.rows for v in r.cells.values()]
    known = font.face.charToGlyph
    missing = sorted({ch for text in texts for ch in text if ord(ch) not in known and not ch.isspace()})
    if missing:
        raise RenderError(f"the font has no glyph for {''.join(missing)!r} "
                          f"({', '.join(f'U+{ord(ch):04X}' for ch in missing)}): the paper side cannot print it")
    files = [(f"{plan.month}-{SUMMARY_TITLE}({plan.city_area}).pdf", _summary_pdf(plan, office, on))]
    if advance is not None:
        advance()
    for sheet in plan.sheets:
        name = sheet.name
        files.append((f"{name.month}-{name.exam_code}-{name.exam_name}-{FORM_TITLE}({name.city})({name.count}人).pdf",
                      _form_pdf(plan, sheet, office, on)))
        if advance is not None:
            advance()
    return files


def _canvas(out: BytesIO, landscape_page: bool, title: str) -> Canvas:
    # invariant=1: no creation date or random ID, so the same batch gives the same file.
    c = Canvas(out, pagesize=landscape(A4) if landscape_page else A4, invariant=1, pageCompression=1,
               initialFontName=FONT_NAME, initialFontSize=10, lang="zh-CN")
    c.setTitle(title)
    c.setCreator("certledger")
    c.setProducer("certledger")
    return c


def _month_text(month: str) -> str:
    return f"{month[:4]}年{int(month[4:])}月"


def _fit(text: str, size: float, width: float) -> float:
    w = stringWidth(text, FONT_NAME, size)
    return size if w <= width else max(5.0, size * width / w)


def _row(c: Canvas, x: float, top: float, height: float, widths: Sequence[float], values: Sequence[str],
         size: float, header: bool = False) -> None:
    """One table row: boxed cells, text centred (shrunk to fit its cell)."""
    total = sum(widths) * mm
    if header:
        c.setFillColor(Color(0.93, 0.93, 0.93))
        c.rect(x, top - height, total, height, stroke=0, fill=1)
        c.setFillColor(Color(0, 0, 0))
    c.rect(x, top - height, total, height, stroke=1, fill=0)
    cx = x
    for w, value in zip(widths, values, strict=True):
        cw = w * mm
        if cx > x:
            c.line(cx, top, cx, top - height)
        if value:
            fs = _fit(value, size, cw - 2 * mm)
            c.setFont(FONT_NAME, fs)
            c.drawCentredString(cx + cw / 2, top - height / 2 - fs * 0.35, value)
        cx += cw


def _page_number(c: Canvas, page: int, pages: int, width: float, y: float) -> None:
    c.setFont(FONT_NAME, 10)
    c.drawCentredString(width / 2, y, f"第 {page} 页/共 {pages} 页")


def _form_pdf(plan: ExportPlan, sheet: PlannedSheet, office: Authority, on: date) -> bytes:
    page_w, page_h = landscape(A4)
    widths = [w for _, w in FORM_COLUMNS]
    left = (page_w - sum(widths) * mm) / 2
    pages = max(1, math.ceil(len(sheet.rows) / FORM_ROWS_PER_PAGE))
    out = BytesIO()
    c = _canvas(out, True, f"{FORM_TITLE} {sheet.name.stem}")
    for page in range(1, pages + 1):
        c.setFont(FONT_NAME, 18)
        c.drawCentredString(page_w / 2, page_h - 16 * mm, FORM_TITLE)
        c.setFont(FONT_NAME, 10)
        y = page_h - 25 * mm
        c.drawString(left, y, f"报送单位（盖章）：{office.office}")
        c.drawCentredString(page_w / 2, y, f"考试名称：{sheet.name.exam_name}（考试代码 {sheet.name.exam_code}）")
        c.drawRightString(page_w - left, y, f"申报年月：{_month_text(plan.month)}　共 {len(sheet.rows)} 人")
        top = page_h - 29 * mm
        _row(c, left, top, 9 * mm, widths, [t for t, _ in FORM_COLUMNS], 9.5, header=True)
        top -= 9 * mm
        first = (page - 1) * FORM_ROWS_PER_PAGE
        for i, row in enumerate(sheet.rows[first:first + FORM_ROWS_PER_PAGE], start=first + 1):
            cells = row.cells
            _row(c, left, top, 7 * mm, widths,
                 [str(i), cells["ZSGLH"], cells["KSXM"], cells["XB"], cells["ZJLB"], cells["ZJHM"], cells["CSNY"],
                  cells["BKJB"], cells["BKZY"], cells["PZRQ"], KIND_LABELS.get(row.kind, row.kind),
                  "已附" if cells["ZP"] else "免"], 9)
            top -= 7 * mm
        c.setFont(FONT_NAME, 10)
        c.drawString(left, 17 * mm, f"经办人：　　　　　　审核人：　　　　　　联系电话：{office.phone}　　　　"
                                    f"填报日期：{chinese_date(on)}")
        _page_number(c, page, pages, page_w, 9 * mm)
        c.showPage()
    c.save()
    return out.getvalue()


def _summary_pdf(plan: ExportPlan, office: Authority, on: date) -> bytes:
    page_w, page_h = A4
    widths = [w for _, w in SUMMARY_COLUMNS]
    left = (page_w - sum(widths) * mm) / 2
    lines = []
    for i, sheet in enumerate(plan.sheets, start=1):
        reissued = sum(1 for r in sheet.rows if r.kind == "reissue")
        lines.append([str(i), sheet.name.exam_code, sheet.name.exam_name, str(reissued),
                      str(len(sheet.rows) - reissued), str(len(sheet.rows)), str(len(sheet.photos)), ""])
    reissued_all = sum(int(line[3]) for line in lines)
    total = ["合计", "", f"{len(plan.sheets)} 个考试", str(reissued_all), str(plan.rows - reissued_all),
             str(plan.rows), str(sum(len(s.photos) for s in plan.sheets)), ""]
    pages = max(1, math.ceil((len(lines) + 1) / SUMMARY_ROWS_PER_PAGE))
    out = BytesIO()
    c = _canvas(out, False, f"{SUMMARY_TITLE} {plan.month} {plan.city_area}")
    body = [*lines, total]
    for page in range(1, pages + 1):
        c.setFont(FONT_NAME, 18)
        c.drawCentredString(page_w / 2, page_h - 22 * mm, SUMMARY_TITLE)
        c.setFont(FONT_NAME, 10.5)
        y = page_h - 34 * mm
        c.drawString(left, y, f"报送单位（盖章）：{office.office}（{plan.city_area}）")
        c.drawRightString(page_w - left, y, f"申报年月：{_month_text(plan.month)}")
        top = page_h - 38 * mm
        _row(c, left, top, 10 * mm, widths, [t for t, _ in SUMMARY_COLUMNS], 10, header=True)
        top -= 10 * mm
        for values in body[(page - 1) * SUMMARY_ROWS_PER_PAGE:page * SUMMARY_ROWS_PER_PAGE]:
            _row(c, left, top, 8 * mm, widths, values, 10)
            top -= 8 * mm
        if page == pages:
            c.setFont(FONT_NAME, 10.5)
            y = top - 14 * mm
            c.drawString(left, y, "经办人：")
            c.drawString(left + 60 * mm, y, "审核人：")
            c.drawString(left + 120 * mm, y, f"联系电话：{office.phone}")
            c.drawString(left, y - 10 * mm, f"报送日期：{chinese_date(on)}")
            c.drawString(left + 120 * mm, y - 10 * mm, "（单位盖章）")
        _page_number(c, page, pages, page_w, 12 * mm)
        c.showPage()
    c.save()
    return out.getvalue()
