"""Jinja2 templates (console/templates), autoescaped; every page gets the session (or None) and its CSRF token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from console import labels
from ledger.events import CHINA
from ledger.identity import mask_id

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_ENV.globals.update(STAGES=labels.STAGES, KINDS=labels.KINDS, CHANNELS=labels.CHANNELS, CHECKS=labels.CHECKS,
                    ID_DOCUMENTS=labels.ID_DOCUMENTS, STATUSES=labels.STATUSES, PROOF_KINDS=labels.PROOF_KINDS,
                    EVIDENCE=labels.EVIDENCE, QUEUE_KINDS=labels.QUEUE_KINDS,
                    QUEUE_STAGES=labels.QUEUE_STAGES)
_ENV.filters["event"] = labels.event
_ENV.filters["masked"] = lambda text: masked(str(text))
_ENV.filters["china"] = lambda at: at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")  # offices work in China time


_RESIDENT_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")  # e.g. a batch photo's file name


def masked(text: str) -> str:
    """Text with every resident ID number in it masked as the seed does (ledger.identity.mask_id)."""
    return _RESIDENT_ID.sub(lambda m: mask_id(m.group(0)), text)


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    body = _ENV.get_template(template).render(session=session, csrf=session.csrf if session else "",
                                              path=request.url.path, **context)
    return HTMLResponse(body, status_code=status)
