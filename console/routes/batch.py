"""The monthly batch (seed 004 附件): a city exports its approved reissue and exchange requests as the package
(downloaded from the page); the provincial centre uploads a city's package, checks it (every problem by file
and row, on screen) and imports it, all or nothing. office.batch_files is the command's path too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from console.batch import exported, exports_dir, keep_upload, screen_report, upload_name, uploaded
from console.errors import Refused
from console.render import page
from console.security import console_of, require
from console.sessions import Session
from ledger.application import Actor
from ledger.batch_rules import NAME_RULE, BatchRejected
from office.batch_files import FORMATS, exam_codes, examine, export_package
from office.roles import Action

router = APIRouter()
MAX_PACKAGE_BYTES = 64 * 1024 * 1024  # a city's month, photos included

Batch = Annotated[Session, Depends(require(Action.BATCH))]
BatchPost = Annotated[Session, Depends(require(Action.BATCH, post=True))]


def _is_centre(office: str) -> bool:
    return office[2:] == "00"


@router.get("/batch", response_class=HTMLResponse)
def batch_page(request: Request, session: Batch) -> Response:
    console = console_of(request)
    folder = exports_dir(console.settings.home)
    packages = sorted(folder.glob("*.zip"), reverse=True) if folder.is_dir() else []
    with console.reading() as ledger:
        month = f"{ledger.today():%Y%m}"
    return page(request, "batch.html", {"title": "月度补换证批次", "centre": _is_centre(session.office),
                                        "packages": [p.name for p in packages], "month": month,
                                        "formats": FORMATS, "name_rule": NAME_RULE})


@router.post("/batch/export", response_class=HTMLResponse)
def export(request: Request, session: BatchPost, month: Annotated[str, Form()],
           fmt: Annotated[str, Form(alias="format")] = "xls", codes: Annotated[str, Form()] = "") -> Response:
    console = console_of(request)
    codes_map = exam_codes([line for line in codes.splitlines() if line.strip()], "exam_codes")
    with console.reading() as ledger:  # writes no event: reads the ledger, writes the zip
        try:
            result = export_package(ledger, Actor(session.username, session.office), session.office,
                                    month.strip(), fmt, codes_map, exports_dir(console.settings.home))
        except BatchRejected as e:
            return page(request, "batch_report.html", {"title": "导出未通过检查", "action": "导出",
                                                       "problems": e.findings, "screen": None}, status=409)
    return page(request, "batch_exported.html", {"title": "批次包已生成", "result": result,
                                                 "file": result.package.name})


@router.get("/batch/exports/{name}")
def download(request: Request, session: Batch, name: str) -> Response:
    path = exported(console_of(request).settings.home, name)
    return FileResponse(path, media_type="application/zip", filename=path.name)


@router.post("/batch/check", response_class=HTMLResponse)
async def check(request: Request, session: BatchPost) -> Response:
    upload = (await request.form()).get("package")
    if upload is None or isinstance(upload, str):
        raise Refused(400, "字段「批次包」必填：请选择地市导出的 ZIP 文件", "package")
    name = upload_name(upload.filename)
    data = await upload.read(MAX_PACKAGE_BYTES + 1)
    if len(data) > MAX_PACKAGE_BYTES:
        raise Refused(413, f"字段「批次包」超过 {MAX_PACKAGE_BYTES // (1024 * 1024)} MB", "package")
    handle = keep_upload(console_of(request).settings.home, name, data)
    return _examined(request, session, handle, importing=False)


@router.post("/batch/import", response_class=HTMLResponse)
def import_(request: Request, session: BatchPost, upload: Annotated[str, Form()]) -> Response:
    return _examined(request, session, upload, importing=True)


def _examined(request: Request, session: Session, handle: str, importing: bool) -> Response:
    console = console_of(request)
    path = uploaded(console.settings.home, handle)
    action = "导入" if importing else "检查"
    if importing:
        with console.acting(session) as (ledger, who):
            try:
                package, report = examine(ledger, who, path, importing=True)
            except BatchRejected as e:
                from formats.batch_package import read_package

                screen = screen_report(read_package(path), None, e.findings)
                return page(request, "batch_report.html", {"title": "未导入：批次包有问题", "action": action,
                                                           "screen": screen, "problems": e.findings,
                                                           "handle": handle, "file": path.name}, status=409)
    else:
        with console.reading() as ledger:
            package, report = examine(ledger, Actor(session.username, session.office), path, importing=False)
    screen = screen_report(package, report, report.problems)
    title = ("已导入" if report.imported else ("检查通过，可以导入" if report.ok else "检查未通过"))
    return page(request, "batch_report.html", {"title": f"{title}：{path.name}", "action": action,
                                               "screen": screen, "problems": report.problems, "handle": handle,
                                               "file": path.name}, status=200 if report.ok else 422)
