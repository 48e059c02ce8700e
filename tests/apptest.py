"""Running the dashboard under Streamlit's AppTest: one page, a fixed as-of date, a language."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(
    page: str, *, as_of: str | None = "2026-09-30", lang: str = "kk", timeout: float = 90, **params: str
) -> AppTest:
    """``app.py`` switched to ``pages/<page>.py`` and run once (``PMO_DB`` must be set)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    if as_of:
        at.query_params["as_of"] = as_of
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    return at


def errors(at: AppTest) -> list[str]:
    """Exceptions and error boxes on the page (both must be empty for a healthy page)."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def plain(markdown: str) -> str:
    """Markdown source as the reader sees it: the escapes of data values (``ui.safe.md``) removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def select(at: AppTest, key: str) -> Any:
    """The select box kept under ``key`` (``ui.widgets``: drawn per language as ``key@lang``)."""
    boxes = [b for b in at.selectbox if b.key == key or str(b.key).startswith(f"{key}@")]
    assert len(boxes) == 1, (key, [b.key for b in at.selectbox])
    return boxes[0]


_PRINT_TABLE = re.compile(r'<table class="pmo-print"><thead><tr>(.*?)</tr></thead><tbody>(.*?)</tbody></table>', re.S)
_CELL = re.compile(r"<t[hd]>(.*?)</t[hd]>", re.S)


def print_tables(at: Any) -> list[pd.DataFrame]:
    """The printable HTML tables of the page (``ui.passport_view.table_html``), their cells as read."""
    out = []
    for element in at.html:
        for head, body in _PRINT_TABLE.findall(str(element.value)):
            columns = [html.unescape(c) for c in _CELL.findall(head)]
            rows = [[html.unescape(c) for c in _CELL.findall(r)] for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
            out.append(pd.DataFrame(rows, columns=columns))
    return out
