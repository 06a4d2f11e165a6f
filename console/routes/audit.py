"""The audit view: the store's latest checkpoint, the history's latest with its witnesses' cosignatures, and
`audit verify` run on demand (console.audit_runs) with its state polled and its result shown."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from console.audit_runs import AuditRunner, child_env
from console.render import page
from console.security import Reader, console_of, require
from console.sessions import Session
from office.roles import Action

router = APIRouter()
Verifying = Annotated[Session, Depends(require(Action.READ, post=True))]


def _runner(request: Request) -> AuditRunner:
    state = request.app.state
    if getattr(state, "audit_runner", None) is None:
        s = console_of(request).settings
        state.audit_runner = AuditRunner(child_env(s.home.resolve(), s.store))
    return state.audit_runner  # type: ignore[no-any-return]


def _history(settings: Any) -> dict[str, Any] | None:
    """The checkpoint history's latest entry, verified with the log key; its witnesses' names."""
    from keys.errors import KeysError
    from keys.notekeys import has_log_key, log_verifier
    from keys.store import KeyStore
    from keys.tlog import CheckpointHistory, TlogError

    path = settings.checkpoint_history_path
    store = KeyStore(settings.keys_path, kdf_cost=settings.key_kdf_cost)
    if not path.exists() or not has_log_key(store):
        return None
    try:
        verifier = log_verifier(store)
        latest = CheckpointHistory(path, verifier).latest()
    except (KeysError, TlogError, OSError) as e:
        return {"error": f"检查点历史不能读取或未通过核验：{type(e).__name__}"}
    if latest is None:
        return None
    witnesses = sorted({s.name for s in latest.note.signatures if s.name != verifier.name})
    return {"size": latest.size, "root": latest.root.hex(), "log": verifier.name, "witnesses": witnesses}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: Reader) -> Response:
    console = console_of(request)
    with console.reading() as ledger:
        translog = ledger.translog
        latest = translog.latest_checkpoint() if translog is not None else None
        size = translog.size() if translog is not None else None
    run = _runner(request).current
    return page(request, "audit.html", {"title": "审计", "latest": latest, "size": size,
                                        "history": _history(console.settings),
                                        "run": run.to_dict() if run else None})


@router.post("/audit/verify")
def start_verify(request: Request, session: Verifying) -> Response:
    _runner(request).start(session.username)
    return RedirectResponse("/audit#run", status_code=303)


@router.get("/audit/status")
def status(request: Request, session: Reader) -> Response:
    run = _runner(request).current
    return JSONResponse(run.to_dict() if run else {"state": "none"})
