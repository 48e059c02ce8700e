"""Tables as the user reads them: headers and values in their language, numbers formatted, and a
formatted Excel download of the same table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import pandas as pd
import streamlit as st

from exports import excel
from i18n import has

from . import auth, data
from .session import lang, tr

Kind = Literal["text", "date", "int", "number", "money", "pct", "fraction", "label", "list", "rag"]
RAG_DOT = {"red": "🔴", "amber": "🟠", "green": "🟢"}


@dataclass(frozen=True)
class Col:
    """One shown column: frame column, catalog key of its header, how to show it.

    ``kind="label"`` translates each value through ``labels`` (``f"{labels}.{value}"``);
    ``pct`` shows a 0–100 number as a percentage, ``fraction`` a 0–1 one."""

    name: str
    header: str
    kind: Kind = "text"
    labels: str | None = None


def _label(prefix: str, value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    key = f"{prefix}.{value}"
    return tr(key) if has(key) else value


def _memo_map(s: pd.Series, fn: Callable[[Any], object]) -> pd.Series:
    """``s.map(fn)`` with ``fn`` called once per distinct value (tables repeat a few codes)."""
    memo: dict[object, object] = {}

    def one(value: Any) -> object:
        key = tuple(value) if isinstance(value, list) else value
        try:
            return memo[key]
        except KeyError:
            memo[key] = shown = fn(value)
            return shown
        except TypeError:  # unhashable: not memoised
            return fn(value)

    return s.map(one)


def _rag(value: object) -> str | None:
    return None if value is None or value != value else f"{RAG_DOT.get(str(value), '')} {tr(f'rag.{value}')}"


def _joined(prefix: str | None, value: object) -> object:
    if not isinstance(value, list | tuple):
        return value
    return ", ".join(str(_label(prefix, x) if prefix else x) for x in value)


def display_frame(df: pd.DataFrame, cols: Sequence[Col]) -> pd.DataFrame:
    """The frame as shown: translated labels, lists joined, fractions as percentages."""
    out = pd.DataFrame(index=df.index)
    for c in cols:
        s = df[c.name]
        if c.kind == "label" and c.labels:
            s = _memo_map(s, partial(_label, c.labels))
        elif c.kind == "rag":
            s = _memo_map(s, _rag)
        elif c.kind == "list":
            s = _memo_map(s, partial(_joined, c.labels))
        elif c.kind == "fraction":
            s = s * 100
        if pd.api.types.is_float_dtype(s):
            s = s.astype("Float64")  # a missing number is null (shown as the placeholder), not NaN
        label = tr(c.header)
        if label in out.columns:  # two headers that coincide in one language would hide a column
            raise ValueError(f"columns {c.name!r} and another share the header {label!r}")
        out[label] = s
    return out.reset_index(drop=True)


def _config(cols: Sequence[Col]) -> dict[str, Any]:
    conf: dict[str, Any] = {}
    for c in cols:
        label = tr(c.header)
        if c.kind == "date":
            conf[label] = st.column_config.DateColumn(label, format="DD.MM.YYYY")
        elif c.kind in ("pct", "fraction"):
            conf[label] = st.column_config.NumberColumn(label, format="%.0f%%")
        elif c.kind == "int":
            conf[label] = st.column_config.NumberColumn(label, format="%d")
        elif c.kind == "number":
            conf[label] = st.column_config.NumberColumn(label, format="localized")
        elif c.kind == "money":  # thousands of tenge, grouped with spaces
            conf[label] = st.column_config.NumberColumn(label, format="localized", step=1)
    return conf


def download(
    df: pd.DataFrame,
    cols: Sequence[Col],
    *,
    file_stem: str,
    title: str,
    key: str,
    shown: pd.DataFrame | None = None,
) -> None:
    """A button giving the table as a formatted .xlsx (built only when clicked); ``shown`` is the
    table's display frame when the caller already has it."""
    if shown is None:
        shown = display_frame(df, cols)
    headers = {h: h for h in shown.columns}
    sheet = title[:31]
    percent = [tr(c.header) for c in cols if c.kind in ("pct", "fraction")]

    def build() -> bytes:
        return excel.workbook([excel.Sheet(sheet, shown, headers, title, percent=percent)])

    detail: dict[str, object] = {"table": key, "title": title, "rows": len(shown), "lang": lang()}
    st.download_button(
        tr("common.download_xlsx"),
        data=data.audited_export(auth.current(), "table", detail, build),
        file_name=f"{file_stem}_{lang()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def table(
    df: pd.DataFrame,
    cols: Sequence[Col],
    *,
    key: str,
    file_stem: str,
    title: str,
    select: bool = False,
    height: int | Literal["auto"] = "auto",
) -> list[int]:
    """Show ``df`` with translated headers and a download button; returns selected row positions."""
    if df.empty:
        st.caption(tr("common.nothing"))
        return []
    shown = display_frame(df, cols)
    event = st.dataframe(
        shown,
        hide_index=True,
        column_config=_config(cols),
        key=f"tbl_{key}",
        height=height,
        placeholder="—",
        on_select="rerun" if select else "ignore",
        selection_mode="single-row",
    )
    download(df, cols, file_stem=file_stem, title=title, key=key, shown=shown)
    selection = getattr(event, "selection", None) if select else None
    return list(selection.rows) if selection is not None else []
