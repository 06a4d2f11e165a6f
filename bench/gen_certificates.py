"""Generate a CSV of valid, distinct Shandong skill certificates for import benchmarks and tests.

    python bench/gen_certificates.py OUT.csv N [--seed S] [--year YY]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from ledger.identity import gb11643_check_char

OCCUPATIONS = [("电工", False), ("焊工", True), ("车工", False), ("消防设施操作员", True), ("育婴员", False)]
LEVELS = ["五级", "四级", "三级", "二级", "一级"]
CITIES = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17"]
HEADER = ["number", "holder_name", "gender", "id_type", "id_number", "occupation", "level",
          "theory_score", "practical_score", "issue_date"]


def rows(n: int, seed: int = 1, year: int = 19, start: int = 0):  # type: ignore[no-untyped-def]
    rnd = random.Random(seed)
    for i in range(start, start + n):
        city = CITIES[i % len(CITIES)]
        number = f"{year:02d}15{city}{i:010d}"
        male = rnd.random() < 0.5
        seq = rnd.randrange(0, 50) * 2 + (1 if male else 0)
        body = f"3701{rnd.randrange(1, 99):02d}{rnd.randrange(1960, 2000)}{rnd.randrange(1, 13):02d}" \
               f"{rnd.randrange(1, 29):02d}{rnd.randrange(0, 10)}{seq % 100:02d}"
        body = body[:14] + f"{rnd.randrange(0, 100):02d}" + str(seq % 10)
        id_number = body + gb11643_check_char(body)
        occupation = OCCUPATIONS[i % len(OCCUPATIONS)][0]
        yield [number, f"测试{i % 9973}", "男" if int(id_number[16]) % 2 else "女", "resident", id_number,
               occupation, LEVELS[i % 5], str(60 + i % 40), str(60 + (i * 7) % 40),
               f"20{year:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"]


def write(path: Path, n: int, seed: int = 1, year: int = 19, start: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows(n, seed, year, start))
    return path


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("n", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--year", type=int, default=19)
    p.add_argument("--start", type=int, default=0)
    a = p.parse_args()
    write(a.out, a.n, a.seed, a.year, a.start)
