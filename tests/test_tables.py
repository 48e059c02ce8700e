"""The tables' pre-rendered Styler against the pandas Styler it stands for.

``ui.tables.styled`` writes the numbers and the status colours itself and hands Streamlit a Styler
already rendered (pandas renders every cell one by one, which at 500 rows was most of a page's
server time). What the browser receives must not change: here both go through Streamlit's own
marshalling (``marshall_styler``), and the display values and the cell styles must be equal.
If a new Streamlit or pandas reads a Styler another way, this fails, not the pages."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData

from i18n import numbers
from ui import rag, tables
from ui.session import KEY_LANG, lang, tr
from ui.tables import Col

COLS = (
    Col("code", "col.budget.project_id", pinned=True),
    Col("name", "col.projects.name"),
    Col("rag", "meeting.status", "rag", "enum.project_status"),
    Col("stage", "decisions.col.kind", "label", "enum.decision_kind"),
    Col("due", "decisions.col.due_date", "date"),
    Col("n", "cli.audit.col.seq", "int"),
    Col("kpi", "budget.absorption_col", "pct"),
    Col("share", "budget.unfunded_col", "fraction"),
    Col("budget", "budget.planned_short", "money"),
    Col("x", "budget.spent_short", "number"),
    Col("tags", "decisions.col.text", "list"),
)


def frame(rows: int) -> pd.DataFrame:
    rags = ["red", "amber", "green", None, "completed"]
    return pd.DataFrame(
        {
            "code": [f"P-{i:03d}" for i in range(rows)],
            "name": [None if i % 7 == 3 else f"Жоба «{i}» <b>x</b>" for i in range(rows)],
            "rag": [rags[i % len(rags)] for i in range(rows)],
            "stage": ["budget" if i % 2 else None for i in range(rows)],
            "due": [date(2026, 1 + i % 12, 1 + i % 28) if i % 5 else None for i in range(rows)],
            "n": pd.array([i if i % 4 else None for i in range(rows)], dtype="Int64"),
            "kpi": [None if i % 6 == 0 else 100.0 * i / max(rows, 1) - 3.25 for i in range(rows)],
            "share": [None if i % 9 == 0 else (i % 13) / 12 for i in range(rows)],
            "budget": [1_234_567.5 * i if i % 8 else float("nan") for i in range(rows)],
            "x": [-0.004 * i if i % 3 else 12.5 for i in range(rows)],
            "tags": [["a", "b"] if i % 2 else [] for i in range(rows)],
        }
    )


def styled_by_pandas(frame: pd.DataFrame, cols: tuple[Col, ...]) -> Styler:
    """What ``tables.styled`` stands for, done by the pandas Styler cell by cell."""
    language = lang()
    formats: dict[Any, Callable[[object], str] | str | None] = {
        tr(c.header): tables._formatter(c.kind, language) for c in cols if c.kind in tables.NUMERIC
    }
    styler = frame.style.format(formats, na_rep=numbers.MISSING)
    badges: list[Hashable] = [tr(c.header) for c in cols if c.kind == "rag"]
    if badges:
        styler = styler.map(rag.cell_style, subset=badges)
    return styler


def marshalled(styler: Styler) -> ArrowData:
    proto = ArrowData()
    styler.set_uuid("same")  # pandas draws one at random
    marshall_styler(proto, styler, "same")
    return proto


def cell_rules(css: str) -> set[tuple[str, str]]:
    """Each (cell, declarations) pair of the style sheet, whatever the order of rules and cells."""
    out: set[tuple[str, str]] = set()
    for selectors, block in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        declarations = "; ".join(sorted(d.strip() for d in block.split(";") if d.strip()))
        out |= {(s.strip(), declarations) for s in selectors.split(",")}
    return out


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("rows", [1, 37, 500])
def test_the_prerendered_styler_sends_what_pandas_would(lang: str, rows: int) -> None:
    st.session_state[KEY_LANG] = lang
    shown = tables.display_frame(frame(rows), COLS)
    fast = marshalled(tables.styled(shown, COLS))
    slow = marshalled(styled_by_pandas(shown, COLS))

    def values(proto: ArrowData) -> pa.Table:
        return pa.ipc.open_stream(io.BytesIO(proto.styler.display_values)).read_all()

    assert values(fast).equals(values(slow))
    assert cell_rules(fast.styler.styles) == cell_rules(slow.styler.styles)
    assert cell_rules(fast.styler.styles), "the status cells are coloured"
    numbers_column = values(fast).column(shown.columns.get_loc(tr("budget.planned_short"))).to_pylist()
    assert "—" in numbers_column or rows < 8


def test_the_numbers_are_written_in_the_language() -> None:
    st.session_state[KEY_LANG] = "ru"
    shown = tables.display_frame(frame(3), COLS)
    values = pa.ipc.open_stream(io.BytesIO(marshalled(tables.styled(shown, COLS)).styler.display_values)).read_all()
    budget = values.column(shown.columns.get_loc(tr("budget.planned_short"))).to_pylist()
    assert budget[1] == "1\u00a0234\u00a0568"
    x = values.column(shown.columns.get_loc(tr("budget.spent_short"))).to_pylist()
    assert x[0] == "12,5"
