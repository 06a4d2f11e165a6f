"""Monthly reissue batch benchmark: a 10,000-person batch with photos, exported by a city and imported by
the provincial center through the installed command.

    .venv/bin/python -m bench.bench_batch              # 10,000 persons
    .venv/bin/python -m bench.bench_batch --n 2000     # a quicker run

Set-up (measured apart): `certledger init`, then in-process through the application layer the
professional certificates (each with its photo in the attachment store) and their reissue or exchange
requests, applied, accepted and approved, saved 500 aggregates at a time, and the transparency log caught
up. Then `certledger batch export`, `batch check` and `batch import` run as a clerk would run them,
process start included, on SQLite in a temporary directory. Prints the machine and the figures; writes
them as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import struct
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bench.bench_ledger import DEV_PASSPHRASES, machine, run
from bench.figures import write_figures
from ledger.application import CertLedger
from ledger.blobs import BlobStore
from ledger.domain import CHINA, Certificate, RequestKind, ServiceRequest
from ledger.identity import gb11643_check_char
from ledger.values import CertificateData

# (exam code, exam name, share of the batch, specialties); codes other than 034 (seed 004) are made up.
EXAMS = [("034", "一级建造师", 0.40, ("建筑工程", "市政公用工程", "机电工程")),
         ("003", "会计专业技术资格", 0.25, ("",)),
         ("016", "经济专业技术资格", 0.15, ("人力资源管理", "金融")),
         ("024", "计算机技术与软件专业技术资格", 0.12, ("系统分析师", "网络工程师")),
         ("021", "通信专业技术人员职业资格", 0.08, ("通信工程",))]
LEVELS = {"034": "一级", "003": "中级", "016": "中级", "024": "高级", "021": "中级"}
CITY, CENTER = "1501", "1500"
CHUNK = 500


# init makes the office key and the first operator's credential: development passphrases for the run


def base_photos(count: int, large: bool) -> list[bytes]:
    """White-ground ID photos, 295×413 px: 10–30 KB, or over 30 KB for the computer and communications exams."""
    low, high = (31 * 1024, 60 * 1024) if large else (12 * 1024, 29 * 1024)
    out: list[bytes] = []
    rnd = random.Random(5 if large else 4)
    while len(out) < count:
        img = Image.new("RGB", (295, 413), "white")
        draw = ImageDraw.Draw(img)
        grey = rnd.randrange(150, 220)
        draw.ellipse((88, 70, 206, 198), fill=(grey, grey - 10, grey - 25))
        draw.rectangle((41, 231, 254, 413), fill=(60, 70, 90))
        mask = Image.new("L", (295, 413), 0)
        ImageDraw.Draw(mask).ellipse((59, 50, 236, 495), fill=255)
        img.paste(Image.blend(img, Image.effect_noise((295, 413), 60 if large else 35).convert("RGB"), 0.35),
                  (0, 0), mask)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=95 if large else 85)
        if low <= len(buf.getvalue()) <= high:
            out.append(buf.getvalue())
    return out


def personalised(photo: bytes, i: int) -> bytes:
    """A distinct file per person, cheaply: a JPEG comment (COM) segment right after the SOI marker."""
    payload = f"person {i}".encode()
    return photo[:2] + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + photo[2:]


def resident_id(i: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=(i * 7919) % 14000)
    sex = (i % 2) + 2 * ((i // 2) % 5)
    first17 = f"370102{born:%Y%m%d}{(i // 10) % 100:02d}{sex}"
    return first17 + gb11643_check_char(first17)


def set_up(home: Path, n: int) -> dict[str, Any]:
    """n professional certificates with photos and n approved requests, batched saves; the log caught up."""
    started = time.perf_counter()
    db = home / "ledger.sqlite"
    app = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)},
                     blobs=BlobStore(home / "blobs"), transparency_log=True)
    small, large = base_photos(24, False), base_photos(12, True)
    store = BlobStore(home / "blobs")
    now = app.now()
    day = now.astimezone(CHINA).date()
    rnd = random.Random(11)
    weights = [share for _, _, share, _ in EXAMS]
    pending: list[Any] = []
    photo_seconds = 0.0
    for i in range(n):
        code, exam, _, specialties = rnd.choices(EXAMS, weights)[0]
        id_number = resident_id(i)
        t0 = time.perf_counter()
        photo = personalised((large if code in ("024", "021") else small)[i % 12], i)
        digest = hashlib.sha256(photo).hexdigest()
        target = store.path(digest)  # where BlobStore keeps it, written without its fsync per file: set-up only
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(photo)
        photo_seconds += time.perf_counter() - t0
        approved = date(2005, 1, 1) + timedelta(days=(i * 37) % 4300)  # 2005-2016: a photo is needed
        data = CertificateData(
            family="professional", number=f"ZS{i:010d}", authority=CITY, holder_name=f"测试{i % 9973}",
            gender="男" if int(id_number[16]) % 2 else "女", id_type="resident", id_number=id_number,
            occupation=exam, level=LEVELS[code], issue_date=approved.isoformat(),
            specialty=specialties[i % len(specialties)], exam_code=code, photo_sha256=digest)
        cert = Certificate.issue(data, "张三", CITY, now)
        kind = RequestKind.REISSUE if i % 4 else RequestKind.EXCHANGE
        req = ServiceRequest.apply(f"SQ-{CITY}-{day:%Y%m%d}-{i:06X}", kind, data.number, CITY, data.holder_name,
                                   "window", day, day, False, "张三", now)
        req.accept(day, day + timedelta(days=90), False, "张三", CITY, now)
        req.decide(True, "", dict.fromkeys(ServiceRequest.REVIEW_CHECKS, True), "张三", CITY, now)
        pending += [cert, req]
        if len(pending) >= CHUNK:
            app.save(*pending)
            pending.clear()
    if pending:
        app.save(*pending)
    assert app.translog is not None
    app.translog.catch_up(app.recorder)
    events = app.count_events()
    app.close()
    return {"seconds": round(time.perf_counter() - started, 1), "events": events,
            "photo_files_seconds": round(photo_seconds, 1), "month": f"{now.astimezone(CHINA):%Y%m}"}


def export(tmp: Path, env: dict[str, str], month: str, fmt: str, figures: dict[str, Any]) -> Path:
    """`batch export` of the month: the package written, timed with process start."""
    seconds, proc = run("--json", "batch", "export", "--month", month, "--out", str(tmp / "out"), "--format",
                        fmt, env=env)
    exported = json.loads(proc.stdout)
    package = Path(exported["package"])
    with zipfile.ZipFile(package) as zf:
        photos = sum(1 for name in zf.namelist() if name.endswith(".jpg"))
    figures["export"] = {"seconds": round(seconds, 2), "rows": exported["rows"], "sheets": len(exported["sheets"]),
                         "photos": photos, "package_mib": round(package.stat().st_size / 2**20, 1)}
    print(f"export: {exported['rows']:,} persons, {len(exported['sheets'])} spreadsheets, {photos:,} photos, "
          f"paper side {len(exported['paper'])} PDFs, {figures['export']['package_mib']} MiB zip "
          f"in {seconds:.1f} s (wall, process start included)")
    return package


def check_and_import(package: Path, env: dict[str, str], figures: dict[str, Any]) -> None:
    """`batch check` and `batch import` of the package by the centre, each timed with process start."""
    center = {**env, "CERTLEDGER_OFFICE": CENTER, "CERTLEDGER_OPERATOR": "李四"}
    seconds, proc = run("--json", "batch", "check", str(package), env=center)
    checked = json.loads(proc.stdout)
    figures["check"] = {"seconds": round(seconds, 2), "ok": checked["ok"]}
    print(f"check: {checked['rows']:,} rows, {len(checked['problems'])} problems in {seconds:.1f} s")

    seconds, proc = run("--json", "batch", "import", str(package), env=center)
    imported = json.loads(proc.stdout)
    figures["import"] = {"seconds": round(seconds, 2), "rows": imported["rows"],
                         "requests_linked": imported["requests_linked"], "batches": len(imported["batches"])}
    print(f"import: {imported['rows']:,} rows, {imported['requests_linked']:,} requests forwarded, "
          f"{len(imported['batches'])} batches, one atomic save, in {seconds:.1f} s (wall, process start "
          "included)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000, help="persons in the batch")
    parser.add_argument("--format", default="xls", choices=("xls", "xlsx"))
    args = parser.parse_args()

    figures: dict[str, Any] = {"machine": machine(), "n": args.n, "format": args.format}
    print("machine:", json.dumps(figures["machine"], ensure_ascii=False))
    with tempfile.TemporaryDirectory(prefix="certledger-bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")},
               "CERTLEDGER_HOME": str(home), **DEV_PASSPHRASES}
        run("init", "--office", CITY, "--operator", "张三", env=env)
        run("init", "--office", CENTER, "--operator", "李四", env=env)  # the centre checks and imports
        setup = set_up(home, args.n)
        figures["setup"] = setup
        print(f"set-up: {args.n:,} certificates with photos and {args.n:,} approved requests "
              f"({setup['events']:,} events, batched saves of {CHUNK}) in {setup['seconds']} s "
              f"(photo files {setup['photo_files_seconds']} s)")

        package = export(tmp, env, setup["month"], args.format, figures)
        check_and_import(package, env, figures)
        for what in ("export", "import"):
            verdict = "within" if figures[what]["seconds"] <= 30 else "OVER"
            print(f"  {what}: {figures[what]['seconds']} s, {verdict} the 30 s target")

    target = write_figures("batch", figures)
    print(f"figures written to {target}")


if __name__ == "__main__":
    main()
