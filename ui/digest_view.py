"""The "Since the last review" page's pieces: the two points, the digest as words (one wording
with ``pmo diff``, the deck and the pack: ``exports.digest_text``), its tables."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pandas as pd

from exports.digest_text import change_row, project_row
from i18n import numbers
from metrics.common import Filters
from metrics.digest import digest, to_json

from .session import lang
from .tables import Col

#: the changes as people read them; the direction with its sign first (never colour alone)
CHANGE_COLS: Final = [
    Col("project", "digest.col.project", width=80, pinned=True),
    Col("direction", "digest.col.direction", width=120),
    Col("kind", "digest.col.kind", width=190),
    Col("item", "digest.col.item", width=170),
    Col("before", "digest.col.before", width=110),
    Col("after", "digest.col.after", width=110),
    Col("note", "digest.col.note", width=360),
]
PROJECT_COLS: Final = [
    Col("project_id", "digest.col.project", width=80, pinned=True),
    Col("project_name", "digest.col.name", width=300),
    Col("rag", "digest.col.rag", width=170),
    Col("kpi", "digest.col.kpi", width=130),
    Col("worse", "digest.col.worse", "int", width=90),
    Col("moved", "digest.col.moved", "int", width=100),
    Col("better", "digest.col.better", "int", width=90),
]
SIGNS: Final = {"worse": "▼", "moved": "◆", "better": "▲"}


def compute(con: Any, then: dt.date, now: dt.date, filters: Filters) -> dict[str, Any]:
    """The digest between two as-of dates over the data shown (``data.cached`` keys it)."""
    return to_json(digest(con, then, con, now, filters))


def compute_batches(
    con_then: Any, batch_then: int, con_now: Any, batch_now: int | None, as_of: dt.date, filters: Filters
) -> dict[str, Any]:
    """The digest between the store after two batches (``None``: the current data), at one date:
    what those uploads changed."""
    return to_json(
        digest(con_then, as_of, con_now, as_of, filters), filters, batch_then=batch_then, batch_now=batch_now
    )


def changes_frame(data: dict[str, Any], language: str | None = None) -> pd.DataFrame:
    language = language or lang()
    rows = []
    for c in data["changes"]:
        row = change_row(c, language)
        row["direction"] = f"{SIGNS[c['direction']]} {row['direction']}"
        rows.append(row)
    return pd.DataFrame(rows, columns=[c.name for c in CHANGE_COLS])


def projects_frame(data: dict[str, Any], language: str | None = None) -> pd.DataFrame:
    language = language or lang()
    rows = [
        {
            "project_id": p["project_id"] or numbers.MISSING,
            "project_name": p["project_name"],
            **project_row(p, language),
            "worse": p["worse"],
            "moved": p["moved"],
            "better": p["better"],
        }
        for p in data["projects"]
    ]
    return pd.DataFrame(rows, columns=[c.name for c in PROJECT_COLS])


def batch_label(b: dict[str, Any]) -> str:
    """``5 · 01.10.2026 10:00 · coordinator · q3.xlsx``: a batch as the user recognises it."""
    when = b["imported_at"]
    shown = f"{when:%d.%m.%Y %H:%M}" if hasattr(when, "strftime") else str(when)
    return f"{b['batch_id']} · {shown} · {b['user_name']} · {b['file_name']}"[:90]
