"""`audit verify` run on demand from the console: the installed command itself (one implementation of every
check; the console imports no entry point) in a background process, one run at a time, with the console's
store settings and none of its secrets; the page polls its state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CERTLEDGER = Path(sys.executable).parent / "certledger"
EXIT_DIVERGENCE = 13


@dataclass
class AuditRun:
    started: float
    by: str
    finished: float | None = None
    ok: bool | None = None
    summary: str = ""
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return "running" if self.finished is None else ("ok" if self.ok else "failed")

    def seconds(self) -> float:
        return round((self.finished or time.monotonic()) - self.started, 1)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "seconds": self.seconds(), "by": self.by, "ok": self.ok,
                "summary": self.summary, "events": self.report.get("events"),
                "checkpoints": self.report.get("checkpoints"), "divergences": self.report.get("divergences", [])[:10]}


class AuditRunner:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.current: AuditRun | None = None
        self._lock = threading.Lock()

    def start(self, by: str) -> AuditRun:
        with self._lock:
            if self.current is not None and self.current.finished is None:
                return self.current  # one run at a time: the running one answers
            run = self.current = AuditRun(time.monotonic(), by)
        threading.Thread(target=self._run, args=(run,), daemon=True, name="console-audit").start()
        return run

    def _run(self, run: AuditRun) -> None:
        try:
            proc = subprocess.run([str(CERTLEDGER), "--json", "audit", "verify"], env=self.env, capture_output=True,
                                  text=True, timeout=3600, check=False)
            try:
                run.report = json.loads(proc.stdout) if proc.stdout.strip() else {}
            except json.JSONDecodeError:
                run.report = {}
            run.ok = proc.returncode == 0
            run.summary = _summary(run, proc.returncode, proc.stderr)
        except (OSError, subprocess.TimeoutExpired) as e:
            run.ok, run.summary = False, f"未能运行 audit verify：{type(e).__name__}"
        finally:
            run.finished = time.monotonic()


def _summary(run: AuditRun, code: int, stderr: str) -> str:
    if code == 0:
        events, checkpoints = run.report.get("events", "?"), run.report.get("checkpoints", "?")
        return f"全部一致：{events} 个事件、{checkpoints} 个检查点均已核验"
    if code == EXIT_DIVERGENCE:
        return f"发现 {len(run.report.get('divergences', []))} 处不一致（见下）"
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return f"audit verify 未完成（退出码 {code}）：{last[:300]}"


def child_env(home: Path, store: str) -> dict[str, str]:
    """The console's environment for the command, without any passphrase (verifying unlocks no key)."""
    env = {k: v for k, v in os.environ.items() if not (k.startswith("CERTLEDGER_") and
                                                       ("PASSPHRASE" in k or "PASSWORD" in k))}
    env.update({"CERTLEDGER_HOME": str(home), "CERTLEDGER_STORE": store})
    return env
