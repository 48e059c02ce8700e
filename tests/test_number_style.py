"""One number style on every page: in Kazakh and Russian no number is written with a decimal point.

AppTest reads what the browser cannot: the table grid draws on a canvas, so its cells are checked
here as Streamlit sends them (the Styler's display values), with the cards, the text, the static
tables and the labels written into the charts. ``test_e2e_first_screen`` checks the rendered page.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from i18n import numbers, t
from tests.apptest import errors, open_page
from tests.test_e2e_first_screen import decimals

PAGES = ("overview", "kpi", "risks", "overdue", "passport", "meeting_load", "budget", "meeting", "settings", "upload")


def display_values(element: Any) -> list[str]:
    """The cells of an ``st.dataframe`` as the grid draws them (the Styler's text, if styled)."""
    arrow = element.proto.arrow_data
    if not arrow.styler.display_values:
        return []
    table = pa.ipc.open_stream(io.BytesIO(arrow.styler.display_values)).read_all()
    return [str(v) for column in table.columns for v in column.to_pylist() if isinstance(v, str)]


def chart_texts(element: Any) -> list[str]:
    spec = json.loads(element.proto.spec)
    out: list[str] = []
    for trace in spec.get("data", []):
        for field in ("text", "texttemplate", "hovertext"):
            value = trace.get(field)
            out += [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []
    for note in spec.get("layout", {}).get("annotations", []):
        out.append(str(note.get("text", "")))
    return out


def shown(at: Any) -> list[str]:
    """Every piece of text the page sends, tables and chart labels included."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        out += [str(e.value) for e in at.get(kind)]
    out += [str(h.value) for h in at.html]
    for m in at.metric:
        out += [str(m.label), str(m.value), str(m.delta or "")]
    for d in at.dataframe:
        out += display_values(d)
    for tbl in at.table:
        out += [str(v) for v in tbl.value.to_numpy().ravel()]
    for chart in at.get("plotly_chart"):
        out += chart_texts(chart)
    for box in at.text_input:
        out.append(str(box.value))
    return out


def readable(text: str) -> str:
    """Text as read: no style sheets, no tags."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", text, flags=re.S))


def found_decimals(at: Any, data: frozenset[str]) -> list[str]:
    return [hit for text in shown(at) for hit in decimals(readable(text), data)]


#: the demo's own words with a decimal in them (a version "ТБЖ 2.0" in a name)
DATA = frozenset({"ТБЖ 2.0"})


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("page", PAGES)
def test_no_number_with_a_decimal_point(page: str, lang: str, demo_db: Path) -> None:
    at = open_page(page, lang=lang, pid="P05") if page == "passport" else open_page(page, lang=lang)
    assert errors(at) == []
    assert shown(at), page
    assert found_decimals(at, DATA) == [], (page, lang)


def test_the_check_finds_a_decimal_point_in_a_table(demo_db: Path) -> None:
    """The check reads the grid's cells: the budget's absorption in English has its point."""
    at = open_page("budget", lang="en")
    cells = [v for d in at.dataframe for v in display_values(d)]
    assert any(re.fullmatch(r"\d+%", v) for v in cells)
    assert numbers.percent(0.755, "en", 1) == "75.5%" and decimals("75.5%")
    assert t("budget.absorption", "en")
