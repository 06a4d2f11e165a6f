"""Where every benchmark leaves its figures: bench/out/<name>-<UTC time>.json (not in git)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out"


def write_figures(name: str, figures: dict[str, Any]) -> Path:
    """Write `figures` as JSON (anything not JSON as its str) and return the file's path."""
    OUT.mkdir(exist_ok=True)
    target = OUT / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    target.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n")
    return target
