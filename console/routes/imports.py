"""批量颁发: the head uploads a certificate file (the `certledger import` format), watches its progress and sees
the result: every certificate recorded in one save, or every bad row named (row, field, rule) and nothing
written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from console.errors import Refused
from console.imports import SUFFIXES, ImportJob, ImportJobs
from console.labels import FIELDS
from console.render import page
from console.security import console_of, require
from console.sessions import Session
from office.roles import Action

router = APIRouter()
Signer = Annotated[Session, Depends(require(Action.SIGN))]
Signing = Annotated[Session, Depends(require(Action.SIGN, post=True))]
MAX_FILE_BYTES = 3 * 1024 * 1024  # inside the console's 4 MB body limit
_PHASES = {"reading": "正在读取文件…", "validating": "正在逐行校验…", "recording": "正在写入台账…",
           "done": "已完成", "rejected": "校验未通过，未写入任何内容", "failed": "未完成，未写入任何内容"}


def _jobs(request: Request) -> ImportJobs:
    state = request.app.state
    if getattr(state, "import_jobs", None) is None:
        state.import_jobs = ImportJobs()
    return state.import_jobs  # type: ignore[no-any-return]


def _job(request: Request, session: Session, job_id: str) -> ImportJob:
    job = _jobs(request).get(job_id, session.office)
    if job is None:
        raise Refused(404, f"没有批量颁发任务 {job_id[:24]}", "job")
    return job


@router.get("/certificates/import", response_class=HTMLResponse)
def import_form(request: Request, session: Signer) -> Response:
    return page(request, "import.html", {"title": "批量颁发", "job": None})


@router.post("/certificates/import")
async def start_import(request: Request, session: Signing) -> Response:
    upload = (await request.form()).get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise Refused(400, "字段「证书文件」必填：请选择 CSV 或 XLSX 文件", "file")
    name = Path(upload.filename).name
    if Path(name).suffix.lower() not in SUFFIXES:
        raise Refused(400, "字段「证书文件」只能是 CSV 或 XLSX 文件（与 certledger import 相同）", "file")
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise Refused(413, f"字段「证书文件」超过 {limit} MB：更大的文件请用 certledger import", "file")
    job = _jobs(request).start(console_of(request), session, name, data)
    return RedirectResponse(f"/certificates/import/{job.id}", status_code=303)


@router.get("/certificates/import/{job_id}", response_class=HTMLResponse)
def import_page(request: Request, session: Signer, job_id: str) -> Response:
    job = _job(request, session, job_id)
    return page(request, "import.html", {"title": "批量颁发", "job": job, "phase": _PHASES[job.phase],
                                         "labels": FIELDS})


@router.get("/certificates/import/{job_id}/status")
def import_status(request: Request, session: Signer, job_id: str) -> Response:
    job = _job(request, session, job_id)
    return JSONResponse({**job.to_dict(), "label": _PHASES[job.phase]})
