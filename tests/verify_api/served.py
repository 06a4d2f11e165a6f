"""A real `certledger serve` process on a ledger the installed command made, for end-to-end tests."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import resident_id
from tests.e2e.conftest import CERTLEDGER, Cli
from tests.e2e.test_cli_story import issue_args

PASSPHRASES = {"CERTLEDGER_KEY_PASSPHRASE": "office-secret-1501", "CERTLEDGER_ROOT_PASSPHRASE": "root-secret-1501",
               "CERTLEDGER_PUBLISHER_PASSPHRASE": "publisher-secret-1501",
               "CERTLEDGER_LOG_KEY_PASSPHRASE": "log-key-secret-1501"}
HOLDER_ID = resident_id(serial=7)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Server:
    """One `certledger serve` process; `stop()` ends it (SIGTERM, as an operator would)."""

    cli: Cli
    port: int
    process: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *extra: str, timeout: float = 30) -> Server:
        self.process = subprocess.Popen([str(CERTLEDGER), "serve", "--port", str(self.port), *extra], cwd=self.cli.cwd,
                                        env=self.cli.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"certledger serve exited {self.process.returncode}: {self.stop()}")
            with contextlib.suppress(OSError):
                if self.get("/healthz").status == 200:
                    return self
            time.sleep(0.1)
        raise AssertionError(f"certledger serve did not answer /healthz within {timeout} s: {self.stop()}")

    def stop(self) -> str:
        """End the process; returns what it printed."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        out = self.process.stdout.read() if self.process.stdout else ""
        self.process = None
        return out

    def request(self, method: str, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def upload(self, pdf: bytes, name: str = "document.pdf") -> Response:
        boundary = "certledger-test-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", "/api/v1/verify/pdf", body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})


@dataclass
class Documents:
    """Signed documents in each state, made with the installed command: their tokens and files."""

    current: str
    superseded: str
    successor: str
    revoked: str
    forged: str
    spare: str  # a current proof a test may revoke
    counted: str  # a current proof whose verifications a test counts
    current_pdf: Path


def token_of(result: Any) -> str:
    return str(result.json()["url"]).rsplit("/V/", 1)[1]


def forge(token: str) -> str:
    """The same token with one bit of its signature flipped: well formed, not genuine."""
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    raw[-5] ^= 0x01
    return base64.b32encode(bytes(raw)).decode("ascii").rstrip("=")


def make_documents(cli: Cli, tmp: Path) -> Documents:
    """Issue, prove, reissue and revoke through the command, as an office would."""
    def ok(*args: str) -> Any:
        r = cli(*args)
        assert r.code == 0, f"certledger {' '.join(args)}: {r.err}"
        return r

    ok("init", "--office", "1501", "--operator", "张三")
    ok("keys", "init")
    numbers = {"current": ("1915010000000201", "电工"), "superseded": ("1915010000000202", "焊工"),
               "revoked": ("1915010000000203", "电工"), "spare": ("1915010000000204", "电工"),
               "counted": ("1915010000000205", "电工")}
    for number, occupation in numbers.values():
        ok(*issue_args(number, "王小明", "男", HOLDER_ID, occupation, "三级", "2019-06-01"))
    current = ok("--json", "prove", numbers["current"][0], "--out", str(tmp / "current.pdf"))
    superseded = ok("--json", "ecert", numbers["superseded"][0], "--out", str(tmp / "old.pdf"))
    ok("reissue", numbers["superseded"][0])
    successor = ok("--json", "ecert", numbers["superseded"][0], "--out", str(tmp / "new.pdf"))
    revoked = ok("--json", "prove", numbers["revoked"][0], "--out", str(tmp / "revoked.pdf"))
    ok("revoke", f"SM-{numbers['revoked'][0]}-01", "--reason", "证书信息有误 data entered wrongly")
    spare = ok("--json", "prove", numbers["spare"][0], "--out", str(tmp / "spare.pdf"))
    counted = ok("--json", "prove", numbers["counted"][0], "--out", str(tmp / "counted.pdf"))
    ok("audit", "checkpoint")  # the service publishes the log's latest signed checkpoint
    return Documents(current=token_of(current), superseded=token_of(superseded), successor=token_of(successor),
                     revoked=token_of(revoked), forged=forge(token_of(current)), spare=token_of(spare),
                     counted=token_of(counted), current_pdf=tmp / "current.pdf")
