"""Batch issuance from an uploaded file (批量颁发): the same file format and checks as `certledger import`
(formats.import_file, ledger.importer, CertLedger.import_many), run in a background thread of the console,
all or nothing, its progress polled by the page (or the page refreshing itself without script).

A job validates every row first (no ledger lock held), then records the whole file in one signed save under
the uploading operator's credential. The uploaded file is deleted when the job ends, whatever the outcome.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.errors import ImportRejected, LedgerError

log = logging.getLogger("console")
SUFFIXES = (".csv", ".xlsx")
KEPT_JOBS = 20  # finished jobs remembered for their result page


@dataclass
class ImportJob:
    id: str
    by: str
    office: str
    file: str
    started: float = field(default_factory=time.monotonic)
    phase: str = "reading"  # reading, validating, recording, done, rejected, failed
    done: int = 0
    total: int = 0
    imported: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    message: str = ""
    finished: float | None = None

    @property
    def running(self) -> bool:
        return self.finished is None

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "done": self.done, "total": self.total, "imported": self.imported,
                "problems": len(self.problems), "running": self.running}


class ImportJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str, office: str) -> ImportJob | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.office == office else None

    def start(self, console: Any, session: Any, name: str, data: bytes) -> ImportJob:
        job = ImportJob(secrets.token_urlsafe(12), session.username, session.office, name)
        with self._lock:
            finished = [j for j in self._jobs.values() if not j.running]
            for old in finished[:max(0, len(finished) - KEPT_JOBS)]:
                del self._jobs[old.id]
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, console, session, data), daemon=True,
                         name="console-import").start()
        return job

    def _run(self, job: ImportJob, console: Any, session: Any, data: bytes) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="certledger-import-") as tmp:
                path = Path(tmp) / f"upload{Path(job.file).suffix.lower()}"
                path.write_bytes(data)
                _import(job, console, session, path)
            job.phase = "done"
        except ImportRejected as e:
            job.phase, job.problems = "rejected", list(e.problems)
        except LedgerError as e:
            job.phase, job.message = "failed", str(e)
        except Exception as e:  # noqa: BLE001 (the job's page says it failed; the console keeps serving)
            log.error("batch issuance %s failed: %s", job.id, type(e).__name__)
            job.phase, job.message = "failed", f"内部错误（{type(e).__name__}），未写入任何内容"
        finally:
            job.finished = time.monotonic()


def _import(job: ImportJob, console: Any, session: Any, path: Path) -> None:
    import hashlib

    from formats.import_file import read_rows
    from ledger.importer import validate_rows

    rows = list(read_rows(path))
    job.phase, job.total = "validating", max(0, len(rows) - 1)

    def validated(n: int) -> None:
        job.done = min(job.total, job.done + n)

    datas = validate_rows(rows, job.file, progress=validated)
    job.phase, job.done = "recording", 0

    def built(n: int) -> None:
        job.done = min(job.total, job.done + n)

    source = f"{job.file} sha256:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    with console.acting(session) as (ledger, who):
        job.imported = ledger.import_many(who, datas, source, on_built=built)
    job.done = job.total
