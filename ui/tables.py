"""Tables as the user reads them: headers and values in their language, numbers in the language's
style (``i18n.numbers``: ``1 234,5`` in Kazakh and Russian), status as a coloured badge with its
word, columns sized and pinned so that what decides is on screen, empty columns left out, and a
formatted Excel download of the whole table.

Numbers stay numbers in the grid (it sorts them as numbers); what is shown comes from a pandas
Styler. A table longer than ``SHOWN_MAX`` rows shows its first rows (the download has them all):
the Styler writes every cell it is given, and past a few hundred rows that, not the data, is what
a page waits for (an 8-column table of 1,000 rows took 70 ms, of 500 rows 35 ms).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import streamlit as st

from exports import excel
from i18n import has, numbers

from . import auth, data, rag
from .session import lang, tr

Kind = Literal["text", "date", "int", "number", "money", "pct", "fraction", "label", "list", "rag"]
Width = Literal["small", "medium", "large"] | int | None
#: rows drawn in the page; the Excel download holds every row
SHOWN_MAX = 500
NUMERIC: tuple[Kind, ...] = ("int", "number", "money", "pct", "fraction")


@dataclass(frozen=True)
class Col:
    """One shown column: frame column, catalog key of its header, how to show it.

    ``kind="label"`` translates each value through ``labels`` (``f"{labels}.{value}"``);
    ``pct`` shows a 0–100 number as a percentage, ``fraction`` a 0–1 one; ``rag`` a status badge
    (a value that is no RAG, such as a completed project's stage, goes through ``labels``).
    ``width`` and ``pinned`` keep the deciding columns in view (the key is pinned on the left)."""

    name: str
    header: str
    kind: Kind = "text"
    labels: str | None = None
    width: Width = None
    pinned: bool = False


def _label(prefix: str, value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    key = f"{prefix}.{value}"
    return tr(key) if has(key) else value


def _rag_or_label(prefix: str | None, value: object) -> object:
    """A RAG badge's text, or (for a project no RAG applies to) its stage through ``prefix``."""
    shown = rag.label(value)
    if shown is None and prefix:
        return _label(prefix, value)
    return shown


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


def _joined(prefix: str | None, value: object) -> object:
    if not isinstance(value, list | tuple):
        return value
    return ", ".join(str(_label(prefix, x) if prefix else x) for x in value)


def display_frame(df: pd.DataFrame, cols: Sequence[Col]) -> pd.DataFrame:
    """The frame as shown: translated labels, lists joined, fractions as percentages, RAG as
    shape and word (numbers stay numbers: ``styled`` writes them)."""
    out = pd.DataFrame(index=df.index)
    for c in cols:
        s = df[c.name]
        if c.kind == "label" and c.labels:
            s = _memo_map(s, partial(_label, c.labels))
        elif c.kind == "rag":
            s = _memo_map(s, partial(_rag_or_label, c.labels))
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


_BLANK: Final = frozenset({"", "None", "<NA>", "nan"})


def _is_blank(s: pd.Series) -> bool:
    """Whether no row holds anything (looked at until the first value that is something)."""
    values = s.dropna()
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return values.empty
    for value in values:
        if isinstance(value, list | tuple | np.ndarray):
            if len(value):
                return False
        elif str(value).strip() not in _BLANK:
            return False
    return True


def shown_columns(frame: pd.DataFrame, cols: Sequence[Col]) -> list[Col]:
    """The columns worth a place: a column empty in every row is left out."""
    return [c for c in cols if not _is_blank(frame[tr(c.header)])]


def _formatter(kind: Kind, language: str) -> Callable[[object], str]:
    def fmt(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return numbers.MISSING
        v = float(value)  # type: ignore[arg-type]
        if kind == "int":
            return numbers.number(v, language)
        if kind == "money":
            return numbers.money(v, language)
        if kind in ("pct", "fraction"):
            return numbers.pct(v, language)
        return numbers.number(v, language, 2, trim=True)

    return fmt


def _css_tuples(css: str) -> tuple[tuple[str, str], ...]:
    """``"a: b; c: d"`` as the Styler keeps it: ``(("a", "b"), ("c", "d"))``."""
    return tuple((k.strip(), v.strip()) for k, _, v in (p.partition(":") for p in css.split(";")) if k.strip())


def styled(frame: pd.DataFrame, cols: Sequence[Col]) -> Any:
    """The display frame with its numbers written in the language's style and its status cells
    coloured, as a pandas Styler (the grid keeps sorting the numbers as numbers).

    The Styler arrives already rendered. Streamlit reads a Styler through two of its methods,
    ``_compute`` and ``_translate``, which build a dictionary for every cell; at 500 rows that was
    a quarter of the pages' server time (46 ms a table; 17 ms this way). Here each number column
    is written once (``_memo_map``), each distinct status colour once, and those two methods return
    the result. ``test_tables`` holds
    this, through Streamlit's own marshalling, byte for byte to what ``Styler.format(...).map(...)``
    gives, so a change of either library shows there and not in the pages."""
    language = lang()
    body: list[list[dict[str, object]]] = []
    positions = {label: j for j, label in enumerate(frame.columns)}
    for c in cols:
        label = tr(c.header)
        j = positions[label]
        column = frame[label]
        if c.kind in NUMERIC:
            texts = _memo_map(column, _formatter(c.kind, language)).tolist()
        else:  # only the missing cells change: they show the placeholder
            texts = [numbers.MISSING if missing else None for missing in column.isna().tolist()]
        body.append([{"id": f"row{i}_col{j}", "display_value": t} for i, t in enumerate(texts) if t is not None])
    selectors: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for c in cols:
        if c.kind != "rag":
            continue
        label = tr(c.header)
        j = positions[label]
        css = _memo_map(frame[label], rag.cell_style).tolist()
        for i, rule in enumerate(css):
            if rule:
                selectors.setdefault(_css_tuples(str(rule)), []).append(f"row{i}_col{j}")
    rendered = {
        "body": body,
        "cellstyle": [{"props": list(props), "selectors": cells} for props, cells in selectors.items()],
        "table_styles": [],
    }
    styler = frame.style
    setattr(styler, "_compute", lambda: styler)  # noqa: B010  (an instance's own, not the class's)
    setattr(styler, "_translate", lambda *_args, **_kwargs: rendered)  # noqa: B010
    return styler


def _config(cols: Sequence[Col]) -> dict[str, Any]:
    conf: dict[str, Any] = {}
    for c in cols:
        label = tr(c.header)
        if c.kind == "date":
            conf[label] = st.column_config.DateColumn(label, format="DD.MM.YYYY", width=c.width, pinned=c.pinned)
        else:
            conf[label] = st.column_config.Column(label, width=c.width, pinned=c.pinned)
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
    """A button giving the table as a formatted .xlsx (built only when clicked, audited); ``shown``
    is the table's display frame when the caller already has it."""
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
    hide_empty: bool = True,
) -> list[int]:
    """Show ``df`` with translated headers, formatted numbers and a download button; returns
    selected row positions."""
    if df.empty:
        st.caption(tr("common.nothing"))
        return []
    shown = display_frame(df, cols)
    visible = shown_columns(shown, cols) if hide_empty else list(cols)
    if len(shown) > SHOWN_MAX:
        total = numbers.number(len(shown), lang())
        st.caption(tr("common.first_rows", shown=numbers.number(SHOWN_MAX, lang()), total=total))
    in_view = shown[[tr(c.header) for c in visible]].head(SHOWN_MAX)
    event = st.dataframe(
        styled(in_view, visible),
        hide_index=True,
        column_config=_config(visible),
        key=f"tbl_{key}",
        height=height,
        placeholder="—",
        on_select="rerun" if select else "ignore",
        selection_mode="single-row",
    )
    download(df, cols, file_stem=file_stem, title=title, key=key, shown=shown)
    selection = getattr(event, "selection", None) if select else None
    return list(selection.rows) if selection is not None else []
