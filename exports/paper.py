"""The Overview and a project's passport on paper: one self-contained HTML document per page,
laid out for A4 landscape, and that document printed to PDF by Chromium (Playwright), on the server.

The same document is the print-only block of the two pages (``ui.paper``): printing a page from
the browser (Ctrl+P) and its PDF button give the same sheets. Every sheet carries, in its top
margin, the page's title, the as-of date and the data version (CSS page-margin boxes, which
Chromium draws both when the browser prints and when Playwright does), and its number below.

Tables wrap their text inside fixed column widths and never run past the page; the timelines are
table rows with CSS bars (they break across sheets row by row, their labels wrap), the as-of date
a dashed line through them. Every value from the store is escaped (``html.escape``); the document
loads nothing from outside itself, and Chromium renders it with JavaScript off and every request
refused. Texts come from the catalog in the document's language, numbers through ``i18n.numbers``.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from i18n import has, numbers, t
from metrics.budget import budget_summary
from metrics.common import Filters, previous_quarter_end
from metrics.risks import derived_priority, heatmap
from metrics.settings import Settings
from metrics.status import decision_list

from . import palette

if TYPE_CHECKING:
    import duckdb

#: Debian's Chromium; ``PMO_CHROMIUM`` names another build
CHROMIUM: Final = os.environ.get("PMO_CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: fonts with the Kazakh letters (ә ғ қ ң ө ұ ү һ і) on Windows and on Debian
FONT: Final = 'Arial, "Liberation Sans", "DejaVu Sans", sans-serif'
LIST_ROWS: Final = 10  # the decision list, as on the page (the full table follows it)
MISSING: Final = numbers.MISSING


# --------------------------------------------------------------------------------------------
# Values as text


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # a list, an array: present
        return False


def _e(value: object) -> str:
    """A value from the store as text in the document (escaped; nothing for no value)."""
    return "" if _missing(value) else html.escape(str(value), quote=True)


def _date(value: object) -> str:
    return "" if _missing(value) else f"{pd.Timestamp(value):%d.%m.%Y}"  # type: ignore[arg-type]


def _label(prefix: str, value: object, lang: str) -> str:
    """An enum's word in ``lang`` (the value itself when the catalog has none), escaped."""
    if _missing(value):
        return ""
    key = f"{prefix}.{value}"
    return html.escape(t(key, lang) if has(key) else str(value))


def _num(value: object, lang: str, digits: int = 2) -> str:
    return "" if _missing(value) else numbers.number(float(value), lang, digits, trim=True)  # type: ignore[arg-type]


def _int(value: object, lang: str) -> str:
    return "" if _missing(value) else numbers.number(float(value), lang)  # type: ignore[arg-type]


def _pct(value: object, lang: str) -> str:
    """A value 0–100 as a percentage."""
    return "" if _missing(value) else numbers.pct(float(value), lang)  # type: ignore[arg-type]


def _share(value: object, lang: str) -> str:
    """A share 0–1 as a percentage."""
    return "" if _missing(value) else numbers.percent(float(value), lang)  # type: ignore[arg-type]


def reason(code: str, lang: str) -> str:
    """A RAG reason in words: ``activity_overdue_long:P03-A04`` → "… (P03-A04)" (not escaped)."""
    name, _, item = code.partition(":")
    key = f"rag_reason.{name}"
    text = t(key, lang) if has(key) else name
    return f"{text} ({item})" if item else text


def change(
    now: float | None, before: float | None, lang: str, *, scale: float = 1.0, unit: str = ""
) -> tuple[str | None, float]:
    """A headline number's change since the last quarter end as a card writes it (``+3``,
    ``−2 п.п.``) and its size; no text when it rounds to nothing."""
    if now is None or before is None or round((now - before) * scale) == 0:
        return None, 0.0
    moved = (now - before) * scale
    return f"{'+' if moved > 0 else '−'}{numbers.number(abs(moved), lang)}{unit}", moved


def _bold(text: str) -> str:
    """A catalog sentence with ``**bold**`` (Markdown on the pages) as HTML, escaped first."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


def _css_string(text: str) -> str:
    """``text`` as a CSS string: quotes, backslashes, control characters and ``<`` ``>`` ``&``
    written as escapes (nothing in it can end the string or the style element)."""
    out: list[str] = [f"\\{ord(c):x} " if c in '"\\<>&' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text]
    return '"' + "".join(out) + '"'


# --------------------------------------------------------------------------------------------
# The head of every sheet


@dataclass(frozen=True)
class Stamp:
    """What the top margin of every sheet says: which page, as of when, from which data."""

    title: str
    as_of: dt.date
    version: int
    imported: dt.datetime | None  # the last import applied; None when nothing was imported
    batch: int | None = None  # drawn from the data as it stood right after this batch (store.as_of_batch)

    def data(self, lang: str) -> str:
        """``as of 30.09.2026 · data version 3, imported 30.11.2026 15:49``; from the data as it
        stood right after a batch, ``… · data: batch 5, imported 01.10.2026 10:00``."""
        if self.batch is not None and self.imported is not None:
            version = t("as_of_batch.stamp", lang, batch=self.batch, when=f"{self.imported:%d.%m.%Y %H:%M}")
        elif self.imported is None:
            version = t("paper.no_version", lang, version=self.version)
        else:
            version = t("paper.version", lang, version=self.version, when=f"{self.imported:%d.%m.%Y %H:%M}")
        return f"{t('common.as_of_note', lang, date=f'{self.as_of:%d.%m.%Y}')} · {version}"

    def text(self, lang: str) -> str:
        return f"{self.title} · {self.data(lang)}"


def stamp(con: duckdb.DuckDBPyConnection, title: str, as_of: dt.date) -> Stamp:
    """The stamp of a page drawn from ``con`` (the store or a snapshot of it)."""
    from loaders import store

    batches = store.batches(con)
    applied = batches[batches["status"] == "applied"]  # newest first
    imported = None if applied.empty else pd.Timestamp(applied["imported_at"].iloc[0]).to_pydatetime()
    return Stamp(title, as_of, store.data_version(con), imported, store.as_of_batch(con))


def page_css(stamp: Stamp, lang: str) -> str:
    """A4 landscape; the stamp in the top margin of every sheet, its number at the bottom."""
    margin = f"font: 7.5pt {FONT}; color: #546E7A;"
    return (
        "@page {size: A4 landscape; margin: 12mm 10mm 10mm 10mm;"
        f" @top-left {{content: {_css_string(stamp.text(lang))}; {margin} vertical-align: bottom;"
        " padding-bottom: 2mm;}"
        f' @bottom-right {{content: counter(page) " / " counter(pages); {margin} vertical-align: top;'
        " padding-top: 1.5mm;}}\n"
    )


# --------------------------------------------------------------------------------------------
# The layout: every rule under div.pp, so the block can sit in a live page without touching it (and
# outweighs the page's own rules for headings and tables)

CSS: Final = (
    f"""div.pp {{font-family: {FONT}; font-size: 8.5pt; line-height: 1.28; color: #212121;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;}}"""
    + """
div.pp h1, div.pp h2, div.pp h3 {font-family: inherit; color: inherit; scroll-margin-top: 0;}
div.pp h1 {font-size: 15pt; margin: 0 0 0.8mm 0; padding: 0; line-height: 1.2; font-weight: 700;}
div.pp h2 {font-size: 11pt; margin: 4.5mm 0 1.5mm 0; padding: 0; font-weight: 700; break-after: avoid;
        line-height: 1.2;}
div.pp h3 {font-size: 9pt; margin: 2.5mm 0 1mm 0; padding: 0; font-weight: 700; break-after: avoid;}
div.pp p, div.pp li {font-size: inherit; line-height: inherit; margin: 0.6mm 0; padding: 0;}
div.pp ul {font-size: inherit; margin: 0; padding-left: 4mm;}
div.pp .sub {color: #546E7A; font-size: 8pt; margin-bottom: 2.5mm;}
div.pp .note {color: #546E7A; font-size: 7.5pt; margin: 1mm 0;}
div.pp table {width: 100%; border-collapse: collapse; table-layout: fixed; margin: 0;}
div.pp th, div.pp td {text-align: left; vertical-align: top; padding: 0.7mm 1mm; overflow-wrap: anywhere;
                border-bottom: 0.4pt solid #CFD8DC;}
div.pp th {font-size: 7pt; font-weight: 700; color: #37474F; background: #ECEFF1;
        border-bottom: 0.8pt solid #90A4AE; vertical-align: bottom;}
div.pp thead {display: table-header-group;}
div.pp tr {break-inside: avoid;}
div.pp td.num {text-align: right; white-space: nowrap;}
div.pp th.num {text-align: right;}
div.pp .sec {break-inside: avoid;}
div.pp .rag {display: inline-block; padding: 0 1.3mm; border-radius: 0.8mm; font-weight: 700;
          line-height: 1.45; max-width: 100%; box-sizing: border-box;}
div.pp .hand {color: #546E7A; font-size: 7.5pt; white-space: nowrap;}
div.pp .more {color: #546E7A; font-size: 7.5pt; white-space: nowrap;}
div.pp .sw {display: inline-block; width: 2.2mm; height: 2.2mm; border-radius: 0.4mm; margin-right: 1mm;
         vertical-align: -0.2mm;}
div.pp .cards {display: grid; grid-template-columns: repeat(7, 1fr); gap: 2mm; margin: 1mm 0 1mm 0;}
div.pp .card {border: 0.5pt solid #B0BEC5; border-radius: 1.2mm; padding: 1.2mm 1.8mm; break-inside: avoid;}
div.pp .card .l {font-size: 7.5pt; color: #455A64; min-height: 6mm; line-height: 1.2;}
div.pp .card .v {font-size: 15pt; font-weight: 700; line-height: 1.2; white-space: nowrap;}
div.pp .card .d {font-size: 7.5pt; white-space: nowrap; min-height: 3mm;}
div.pp .good {color: #1B7F3B;} div.pp .bad {color: #B2182B;} div.pp .flat {color: #78909C;}
div.pp .state {display: grid; grid-template-columns: 24fr 42fr 34fr; gap: 3mm; border: 0.5pt solid #B0BEC5;
            border-radius: 1.2mm; padding: 1.8mm 2.2mm; break-inside: avoid;}
div.pp .state .big {font-size: 11pt;}
div.pp .state.one {grid-template-columns: 1fr;} div.pp .state.two {grid-template-columns: 24fr 76fr;}
div.pp .fields td.k {color: #455A64; font-size: 7.5pt;}
div.pp td.track, div.pp th.track {position: relative; padding: 0;}
div.pp td.track {height: 4.6mm;}
div.pp .tick {position: absolute; top: 0; bottom: 0; border-left: 0.4pt solid #E3E8EB;}
div.pp .now {position: absolute; top: 0; bottom: 0; border-left: 0.9pt dashed #263238; z-index: 2;}
div.pp .bar {position: absolute; top: 50%; height: 2.6mm; margin-top: -1.3mm; border-radius: 0.5mm; z-index: 1;}
div.pp .late {position: absolute; top: 50%; height: 2.6mm; margin-top: -1.3mm; z-index: 1;
           background: repeating-linear-gradient(135deg, #C62828 0 0.5mm, #FFFFFF 0.5mm 1.1mm);
           border: 0.4pt solid #C62828; box-sizing: border-box;}
div.pp .axis {position: relative; height: 3.4mm; font-weight: 400; font-size: 7pt; color: #546E7A;}
div.pp .axis span {position: absolute; top: 0; white-space: nowrap; padding-left: 0.6mm;}
div.pp .axis span.asof {font-weight: 700; color: #263238;}
div.pp .axis span.asof.r {transform: translateX(-100%); padding: 0 0.8mm 0 0;}
div.pp .legend {font-size: 7.5pt; color: #37474F; margin: 1.2mm 0 0 0; break-before: avoid;}
div.pp .legend .key {display: inline-block; margin-right: 3.5mm; white-space: nowrap;}
div.pp .legend .dash {display: inline-block; width: 0; height: 2.6mm; border-left: 0.9pt dashed #263238;
                   margin: 0 1.2mm 0 0.6mm; vertical-align: -0.4mm;}
div.pp .legend .hatch {display: inline-block; width: 4mm; height: 2.2mm; margin-right: 1mm; vertical-align: -0.2mm;
  background: repeating-linear-gradient(135deg, #C62828 0 0.5mm, #FFFFFF 0.5mm 1.1mm); border: 0.4pt solid #C62828;}
div.pp .meter {position: relative; height: 2.4mm; background: #ECEFF1; border-radius: 0.4mm; margin-top: 0.8mm;}
div.pp .meter .fill {position: absolute; left: 0; top: 0; bottom: 0; border-radius: 0.4mm;}
div.pp .meter .mark {position: absolute; top: -0.7mm; bottom: -0.7mm; border-left: 1.2pt solid #263238;}
div.pp .meter .goal {position: absolute; top: 0; bottom: 0; border-left: 0.6pt solid #2E7D32;}
div.pp .pair {display: grid; grid-template-columns: 46mm 1fr; gap: 4mm; align-items: start;}
div.pp table.matrix {table-layout: fixed; width: 46mm;}
div.pp table.matrix td {border: 0.8pt solid #FFFFFF; text-align: center; vertical-align: middle; height: 7mm;
                     padding: 0; font-size: 9pt; font-weight: 700;}
div.pp table.matrix td.ax {background: none; color: #546E7A; font-size: 7pt; font-weight: 400; height: auto;}
"""
    + "\n".join(
        f"div.pp .rag-{r} {{background: {palette.COLOURS[r]}; color: {palette.TEXT[r]};}}" for r in palette.COLOURS
    )
    + f"\n.pp .rag-none {{background: {palette.NONE_COLOUR}; color: #000000;}}\n"
)


def document(body: str, stamp: Stamp, lang: str) -> str:
    """The whole document: nothing in it is loaded from elsewhere."""
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(stamp.text(lang))}</title>"
        f"<style>{page_css(stamp, lang)}body {{margin: 0;}}\n{CSS}</style></head>"
        f'<body><div class="pp">{body}</div></body></html>'
    )


# --------------------------------------------------------------------------------------------
# Pieces


@dataclass(frozen=True)
class _Col:
    head: str  # the header, translated (escaped when drawn)
    width: float  # a share of the table's width, relative to the others
    kind: str = ""  # "num": right-aligned on one line; "track": a timeline cell


def _table(cols: Sequence[_Col], rows: Iterable[Sequence[str]], *, heads: Sequence[str] | None = None) -> str:
    """A table with fixed column widths; ``rows`` hold cells already made HTML (values escaped);
    ``heads`` replaces the header cells (a timeline's axis)."""
    total = sum(c.width for c in cols)
    group = "".join(f'<col style="width:{c.width / total * 100:.2f}%">' for c in cols)
    shown = heads if heads is not None else [html.escape(c.head) for c in cols]
    kinds = [f' class="{c.kind}"' if c.kind else "" for c in cols]
    head = "".join(f"<th{k}>{h}</th>" for k, h in zip(kinds, shown, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{k}>{cell}</td>" for k, cell in zip(kinds, row, strict=True)) + "</tr>" for row in rows
    )
    return f"<table><colgroup>{group}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, content: str) -> str:
    return f"<h2>{html.escape(title)}</h2>{content}"


def _nothing(lang: str) -> str:
    return f'<p class="note">{html.escape(t("common.nothing", lang))}</p>'


def rag_badge(value: object, lang: str, none_text: str | None = None) -> str:
    """A RAG as colour, shape and word; anything else a grey badge with ``none_text``."""
    if isinstance(value, str) and value in palette.SHAPES:
        return f'<span class="rag rag-{value}">{palette.SHAPES[value]} {html.escape(t(f"rag.{value}", lang))}</span>'
    return f'<span class="rag rag-none">{html.escape(none_text or t("rag.none", lang))}</span>'


def _swatch(colour: str) -> str:
    return f'<span class="sw" style="background:{colour}"></span>'


def _legend(keys: Iterable[tuple[str, str]], *, as_of: dt.date, late: bool, lang: str) -> str:
    """Colour keys (colour, words), the as-of line and, when drawn, the hatched late part."""
    parts = [f'<span class="key">{_swatch(colour)}{html.escape(words)}</span>' for colour, words in keys]
    date = f"{as_of:%d.%m.%Y}"
    parts.append(
        f'<span class="key"><span class="dash"></span>{html.escape(t("paper.as_of_line", lang, date=date))}</span>'
    )
    if late:
        parts.append(f'<span class="key"><span class="hatch"></span>{html.escape(t("paper.late_part", lang))}</span>')
    return f'<div class="legend">{"".join(parts)}</div>'


@dataclass(frozen=True)
class _Axis:
    """The dates a timeline spans, and where a day falls on it (percent of its width)."""

    first: pd.Timestamp
    last: pd.Timestamp
    most: int = 8  # month labels that fit across the column

    def at(self, day: object) -> float:
        share = (pd.Timestamp(day) - self.first) / (self.last - self.first)  # type: ignore[arg-type]
        return max(0.0, min(100.0, float(share) * 100))

    def ticks(self) -> list[tuple[float, str]]:
        """Month starts, every 1, 2, 3, 6, 12 or 24 months, as many as the width has room for
        (``most``); mm.yyyy."""
        months = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        step = next((s for s in (1, 2, 3, 6, 12) if months / s <= self.most), 24)
        index = self.first.year * 12 + self.first.month  # the month after the first day's
        index += -index % step
        out: list[tuple[float, str]] = []
        while True:
            year, month = divmod(index, 12)
            day = pd.Timestamp(year=year, month=month + 1, day=1)
            if day > self.last:
                return out
            out.append((self.at(day), f"{day:%m.%Y}"))
            index += step


def _axis(starts: pd.Series, ends: pd.Series, as_of: dt.date, width: float) -> _Axis:
    """The span of the bars and the as-of date, a little wider; ``width`` is the column's share
    of the page (percent): a label ``mm.yyyy`` needs about 5.5 % of an A4 landscape line."""
    days = pd.concat([pd.to_datetime(starts), pd.to_datetime(ends)]).dropna()
    now = pd.Timestamp(as_of)
    first, last = (min(days.min(), now), max(days.max(), now)) if len(days) else (now, now)
    pad = max((last - first) * 0.03, pd.Timedelta(days=10))
    return _Axis(first - pad, last + pad, max(2, int(width / 5.5)))


def _axis_head(axis: _Axis, as_of: dt.date) -> str:
    """The timeline column's header: the months, then the as-of date beside its line."""
    ticks = "".join(
        f'<span style="left:{at:.2f}%">{html.escape(label)}</span>' for at, label in axis.ticks() if at < 92
    )
    now = axis.at(as_of)
    side = "r" if now > 50 else "l"
    return (
        f'<div class="axis">{ticks}</div><div class="axis"><span class="asof {side}" style="left:{now:.2f}%">'
        f"{as_of:%d.%m.%Y}</span></div>"
    )


def _track(axis: _Axis, as_of: dt.date, start: object, end: object, colour: str, late: bool) -> str:
    """One timeline row: month lines, the bar from ``start`` to ``end``, the part past its end up
    to the as-of date hatched when ``late``, and the as-of line."""
    parts = [f'<span class="tick" style="left:{at:.2f}%"></span>' for at, _ in axis.ticks()]
    if not _missing(start) and not _missing(end):
        left, right = axis.at(start), axis.at(end)
        parts.append(
            f'<span class="bar" style="left:{left:.2f}%;width:{max(right - left, 0.5):.2f}%;'
            f'background:{colour}"></span>'
        )
        now = axis.at(as_of)
        if late and now > right:
            parts.append(f'<span class="late" style="left:{right:.2f}%;width:{now - right:.2f}%"></span>')
    parts.append(f'<span class="now" style="left:{axis.at(as_of):.2f}%"></span>')
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# The Overview


@dataclass(frozen=True)
class Overview:
    """What the Overview shows, as of one date for one set of filters."""

    as_of: dt.date
    filters: Filters
    status: pd.DataFrame  # ``metrics.report.Picture.status``
    now: Mapping[str, Any]  # ``metrics.report.headline`` on the as-of date
    before: Mapping[str, Any]  # ... on the last quarter end before it
    since: dt.date  # that quarter end
    pending: pd.DataFrame  # ``metrics.meeting.pending_changes``


def overview_of(con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None) -> Overview:
    """The Overview's figures from the store, as the page computes them."""
    from metrics.meeting import pending_changes
    from metrics.report import headline, picture

    scope = filters or Filters()
    before = previous_quarter_end(as_of)
    pic = picture(con, as_of, scope)
    return Overview(
        as_of,
        scope,
        pic.status,
        headline(pic),
        headline(picture(con, before, scope)),
        before,
        pending_changes(con, as_of, scope),
    )


def _filters_text(filters: Filters, lang: str) -> str | None:
    said = []
    if filters.program:
        said.append(f"{t('side.program', lang)}: {filters.program}")
    if filters.curator:
        said.append(f"{t('side.curator', lang)}: {filters.curator}")
    if filters.project_ids:
        said.append(f"{t('side.projects', lang)}: {', '.join(filters.project_ids)}")
    return t("paper.filters", lang, filters="; ".join(said)) if said else None


def _cards(now: Mapping[str, Any], before: Mapping[str, Any], lang: str) -> str:
    """The headline numbers with their change since the last quarter end (more KPI and more green
    is good news; more red, amber, overdue items and high risks is not)."""
    pp = " " + t("meeting.pp", lang)
    kpi_change = change(now["kpi_index"], before["kpi_index"], lang, scale=100, unit=pp)
    items: list[tuple[str, str, tuple[str | None, float], int]] = [
        (t("overview.kpi_index", lang), numbers.percent(now["kpi_index"], lang), kpi_change, 1)
    ]
    counts = [
        (t("overview.projects", lang), "active_projects", None, 0),
        *[
            (f"{palette.SHAPES[k]} {t(f'overview.{k}', lang)}", "rag", k, s)
            for k, s in (("red", -1), ("amber", -1), ("green", 1))
        ],
        (t("overview.overdue", lang), "overdue_items", None, -1),
        (t("overview.high_risks", lang), "open_high_risks", None, -1),
    ]
    for label, field, rag, sign in counts:
        value, was = (now[field][rag], before[field][rag]) if rag else (now[field], before[field])
        items.append((label, numbers.number(value, lang), change(value, was, lang), sign))
    cards = []
    for label, value, (delta, moved), sign in items:
        tone = "flat" if not moved or not sign else "good" if (moved > 0) == (sign > 0) else "bad"
        cards.append(
            f'<div class="card"><div class="l">{html.escape(label)}</div><div class="v">{html.escape(value)}</div>'
            f'<div class="d {tone}">{html.escape(delta or "")}</div></div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _reason_cell(row: pd.Series, lang: str) -> str:
    main = row["main_reason"]
    text = html.escape(reason(main, lang) if isinstance(main, str) else t("overview.no_reason", lang))
    more = int(row["other_reasons"])
    return text + (
        f' <span class="more">{html.escape(t("overview.more_reasons", lang, count=more))}</span>' if more else ""
    )


def _status_cell(row: pd.Series, lang: str) -> str:
    badge = rag_badge(row["rag_effective"], lang)
    if isinstance(row["rag_override"], str):
        badge += f' <span class="hand">{html.escape(t("overview.overridden", lang))}</span>'
    return badge


def _decisions(ordered: pd.DataFrame, lang: str) -> str:
    """The projects that need the curator, worst first, with the main reason in words."""
    if ordered.empty:
        return f"<p>{html.escape(t('overview.no_live', lang))}</p>"
    cols = [
        _Col(t("overview.effective", lang), 12),
        _Col(t("overview.project", lang), 34),
        _Col(t("overview.kpi", lang), 7, "num"),
        _Col(t("overview.main_reason", lang), 47),
    ]
    rows = [
        (
            _status_cell(r, lang),
            f"{_e(r['project_id'])} · {_e(r['name'])}",
            _share(r["kpi_index"], lang),
            _reason_cell(r, lang),
        )
        for _, r in ordered.head(LIST_ROWS).iterrows()
    ]
    more = len(ordered) - LIST_ROWS
    note = f'<p class="note">{html.escape(t("overview.list_more", lang, count=more))}</p>' if more > 0 else ""
    return _table(cols, rows) + note


def _pending(pending: pd.DataFrame, lang: str) -> str:
    if pending.empty:
        return ""
    title = t("overview.pending", lang, count=len(pending), late=int(pending["overdue"].sum()))
    cols = [
        _Col(t("col.projects.project_id", lang), 8),
        _Col(t("col.changes.change_id", lang), 9),
        _Col(t("col.changes.submitted_on", lang), 9),
        _Col(t("col.changes.description", lang), 56),
        _Col(t("passport.due", lang), 18),
    ]
    late = t("passport.state.overdue", lang)
    rows = [
        (
            _e(r.project_id),
            _e(r.change_id),
            _date(r.submitted_on),
            _e(r.description),
            _date(r.due) + (f' <span class="more">{html.escape(late)}</span>' if r.overdue else ""),
        )
        for r in pending.itertuples()
    ]
    return _section(title, _table(cols, rows))


def project_rows(status: pd.DataFrame) -> pd.DataFrame:
    """Every project: those a RAG applies to worst first (``decision_list``), then the rest."""
    ordered = decision_list(status)
    rest = status[~status["project_id"].isin(ordered["project_id"])].assign(main_reason=None, other_reasons=0)
    return pd.concat([ordered, rest], ignore_index=True) if len(rest) else ordered


def _projects(rows: pd.DataFrame, lang: str) -> str:
    """The full table: status, KPI and reasons first; a column only when a project fills it."""
    has_rating = rows["reported_rag"].map(lambda v: isinstance(v, str) and bool(v.strip())).any()
    has_override = rows["rag_override"].map(lambda v: isinstance(v, str)).any()
    has_result = rows["lifecycle"].eq("completed").any()
    spec: list[tuple[_Col, Any]] = [
        (_Col(t("col.projects.project_id", lang), 6), lambda r: _e(r["project_id"])),
        (_Col(t("overview.effective", lang), 10), lambda r: _status_cell(r, lang)),
    ]
    if has_rating:
        spec.append((_Col(t("col.projects.reported_rag", lang), 8), lambda r: _e(r["reported_rag"])))
    spec += [
        (_Col(t("overview.kpi", lang), 6, "num"), lambda r: _share(r["kpi_index"], lang)),
        (
            _Col(t("overview.main_reason", lang), 22),
            lambda r: _reason_cell(r, lang) if r["live"] else "",
        ),
        (_Col(t("col.projects.name", lang), 20), lambda r: _e(r["name"])),
        (_Col(t("overview.stage", lang), 9), lambda r: _label("enum.project_status", r["lifecycle"], lang)),
    ]
    if has_result:
        spec.append(
            (
                _Col(t("overview.result", lang), 8),
                lambda r: (
                    html.escape(
                        t(
                            "status.short_final",
                            lang,
                            achieved=int(r["indicators_achieved"]),
                            total=int(r["indicators"]),
                        )
                    )
                    if r["lifecycle"] == "completed"
                    else ""
                ),
            )
        )
    spec.append((_Col(t("col.projects.program", lang), 14), lambda r: _e(r["program"])))
    if has_override:
        spec.append(
            (
                _Col(t("overview.override", lang), 14),
                lambda r: (
                    (rag_badge(r["rag_override"], lang) + f"<br>{_e(r['override_comment'])}")
                    if isinstance(r["rag_override"], str)
                    else ""
                ),
            )
        )
    cols = [c for c, _ in spec]
    return _table(cols, ([cell(r) for _, cell in spec] for _, r in rows.iterrows()))


def _timeline(status: pd.DataFrame, as_of: dt.date, lang: str) -> str:
    """Every project not cancelled as a bar from its start to its end, coloured by its status; a
    live project past its end date has the rest up to the as-of date hatched."""
    live = status[~status["cancelled"].astype(bool)]
    if live.empty:
        return _nothing(lang)
    cols = [
        _Col(t("overview.project", lang), 25),
        _Col(t("overview.effective", lang), 12.5),
        _Col(t("col.projects.start_date", lang), 7.5),
        _Col(t("col.projects.end_date", lang), 7.5),
        _Col(t("paper.schedule", lang), 47.5, "track"),
    ]
    axis = _axis(live["start_date"], live["end_date"], as_of, 47.5)
    heads = [html.escape(c.head) for c in cols[:-1]] + [_axis_head(axis, as_of)]
    late_any = False
    rows = []
    for _, r in live.iterrows():
        rag = r["rag_effective"] if r["live"] else None
        late = bool(r["live"]) and not _missing(r["end_date"]) and pd.Timestamp(r["end_date"]) < pd.Timestamp(as_of)
        late_any |= late
        colour = palette.COLOURS.get(str(rag), palette.NONE_COLOUR)
        badge = rag_badge(rag, lang, None if r["live"] else t(f"enum.project_status.{r['lifecycle']}", lang))
        rows.append(
            (
                f"{_e(r['project_id'])} · {_e(r['name'])}",
                badge,
                _date(r["start_date"]),
                _date(r["end_date"]),
                _track(axis, as_of, r["start_date"], r["end_date"], colour, late),
            )
        )
    keys = [(palette.COLOURS[k], f"{palette.SHAPES[k]} {t(f'rag.{k}', lang)}") for k in palette.COLOURS]
    keys.append((palette.NONE_COLOUR, t("overview.no_rag", lang)))
    return _table(cols, rows, heads=heads) + _legend(keys, as_of=as_of, late=late_any, lang=lang)


def overview_body(o: Overview, stamp: Stamp, lang: str) -> str:
    """The Overview on paper: the headline numbers, the decision list, change requests awaiting a
    decision, every project and the timeline."""
    ordered = decision_list(o.status)
    sub = [stamp.data(lang)]
    if (said := _filters_text(o.filters, lang)) is not None:
        sub.append(said)
    absorbed = o.now["budget"]["absorption"]
    since = t("common.vs_quarter", lang, date=f"{o.since:%d.%m.%Y}")
    absorption = numbers.percent(None if absorbed is None else absorbed / 100, lang)
    parts = [
        f"<h1>{html.escape(stamp.title)}</h1>",
        f'<div class="sub">{html.escape(" · ".join(sub))}</div>',
        _cards(o.now, o.before, lang),
        f'<p class="note">{html.escape(since)} · {html.escape(t("overview.absorption", lang))}: '
        f"<b>{absorption}</b></p>",
        _section(t("overview.decisions_title", lang), _decisions(ordered, lang)),
        _pending(o.pending, lang),
        _section(t("overview.table_title", lang), _projects(project_rows(o.status), lang)),
        f'<div class="sec">{_section(t("overview.timeline", lang), _timeline(o.status, o.as_of, lang))}</div>',
    ]
    return "".join(parts)


def overview(con: duckdb.DuckDBPyConnection, as_of: dt.date, lang: str, filters: Filters | None = None) -> str:
    """The Overview's document, from the store."""
    head = stamp(con, t("page.overview", lang), as_of)
    return document(overview_body(overview_of(con, as_of, filters), head, lang), head, lang)


# --------------------------------------------------------------------------------------------
# A project's passport


@dataclass(frozen=True)
class Passport:
    """One project as of one date: what its passport page shows."""

    as_of: dt.date
    status: pd.Series  # its row of ``metrics.report.Picture.status`` (RAG, reasons, override, KPI index)
    fields: pd.Series  # ``metrics.passport.passport``
    team: pd.DataFrame  # ``metrics.passport.team``
    indicators: pd.DataFrame  # its rows of ``Picture.indicators``
    activities: pd.DataFrame  # ``metrics.passport.activities``
    risks: pd.DataFrame  # its rows of ``Picture.risks``
    budget: pd.DataFrame  # its rows of ``Picture.budget``
    changes: pd.DataFrame  # ``metrics.passport.changes``
    evaluation: pd.DataFrame  # ``metrics.passport.evaluation``
    zones: Mapping[tuple[int, int], str]  # the risk matrix's zone of each (probability, impact)


def risk_zones(settings: Settings) -> dict[tuple[int, int], str]:
    """The zone (high, medium, low) of each cell of the 5×5 matrix, from the priority thresholds."""
    scores = pd.Series([p * i for p in range(1, 6) for i in range(1, 6)])
    zones = derived_priority(scores, settings)
    return {(p, i): str(zones.iloc[(p - 1) * 5 + (i - 1)]) for p in range(1, 6) for i in range(1, 6)}


def passport_of(con: duckdb.DuckDBPyConnection, pid: str, as_of: dt.date) -> Passport | None:
    """One project's passport from the store, as the page computes it; None for an unknown one."""
    from metrics import passport as pp
    from metrics import settings as settings_mod
    from metrics.report import picture

    fields = pp.passport(con, pid)
    if fields.empty:
        return None
    pic = picture(con, as_of, Filters(project_ids=(pid,)))
    mine = pic.status[pic.status["project_id"] == pid]
    if mine.empty:
        return None
    return Passport(
        as_of=as_of,
        status=mine.iloc[0],
        fields=fields.iloc[0],
        team=pp.team(con, pid, as_of),
        indicators=pic.indicators[pic.indicators["project_id"] == pid],
        activities=pp.activities(con, pid, as_of),
        risks=pic.risks[pic.risks["project_id"] == pid],
        budget=pic.budget[pic.budget["project_id"] == pid],
        changes=pp.changes(con, pid, as_of),
        evaluation=pp.evaluation(con, pid, as_of),
        zones=risk_zones(settings_mod.load(con)),
    )


def _state_box(row: pd.Series, lang: str) -> str:
    """The effective status and KPI index, the computed status with its reasons, the coordinator's
    override; a project no RAG applies to shows its stage (completed: its final result)."""
    rating = row.get("reported_rag")
    source = (
        f"<p>{html.escape(t('col.projects.reported_rag', lang))}: {_e(rating)}</p>"
        if isinstance(rating, str) and rating.strip()
        else ""
    )
    if row["cancelled"]:
        return f'<div class="state one"><div>{html.escape(t("passport.cancelled_no_rag", lang))}{source}</div></div>'
    if not row["live"]:
        stage = rag_badge(None, lang, t(f"enum.project_status.{row['lifecycle']}", lang))
        final = ""
        if row["lifecycle"] == "completed":
            counts = {
                k: int(row[c])
                for k, c in (
                    ("achieved", "indicators_achieved"),
                    ("total", "indicators"),
                    ("missed", "indicators_missed"),
                )
            }
            final = f"<p>{html.escape(t('status.final_result', lang, **counts))}</p>"
        return (
            f'<div class="state two"><div><span class="big">{stage}</span>{source}</div>'
            f'<div>{final}<p class="note">{html.escape(t("status.no_rag_help", lang))}</p></div></div>'
        )
    reasons = row["rag_reasons"] if isinstance(row["rag_reasons"], list) else []
    listed = (
        "<ul>" + "".join(f"<li>{html.escape(reason(c, lang))}</li>" for c in reasons) + "</ul>"
        if reasons
        else f"<p>{html.escape(t('passport.no_reasons', lang))}</p>"
    )
    computed = rag_badge(row["rag"], lang)
    if isinstance(row["rag_override"], str):
        note = t(
            "passport.override_note",
            lang,
            comment=str(row["override_comment"] or ""),
            author=str(row["override_author"] or ""),
            date=_date(row["override_at"]),
        )
        override = f"{rag_badge(row['rag_override'], lang)}<p>{html.escape(note)}</p>"
    else:
        override = f'<p class="note">{html.escape(t("passport.no_override", lang))}</p>'
    kpi = f"<p><b>{html.escape(t('passport.kpi_index', lang))}:</b> {_share(row['kpi_index'], lang) or MISSING}</p>"
    return (
        f'<div class="state"><div><span class="big">{rag_badge(row["rag_effective"], lang)}</span>{source}{kpi}</div>'
        f"<div><b>{html.escape(t('passport.rag_computed', lang))}:</b> {computed}{listed}</div>"
        f"<div><b>{html.escape(t('passport.rag_override', lang))}:</b> {override}</div></div>"
    )


def _pairs(values: Sequence[tuple[str, str]], long: Sequence[tuple[str, str]] = ()) -> str:
    """Label–value pairs two to a row (values already HTML); the ``long`` ones a row each."""
    cols = [_Col("", 15), _Col("", 35), _Col("", 15), _Col("", 35)]
    total = sum(c.width for c in cols)
    group = "".join(f'<col style="width:{c.width / total * 100:.2f}%">' for c in cols)
    rows = []
    for i in range(0, len(values), 2):
        cells = "".join(f'<td class="k">{html.escape(k)}</td><td>{v or MISSING}</td>' for k, v in values[i : i + 2])
        rows.append(f"<tr>{cells}</tr>")
    rows += [f'<tr><td class="k">{html.escape(k)}</td><td colspan="3">{v or MISSING}</td></tr>' for k, v in long]
    return f'<table class="fields"><colgroup>{group}</colgroup><tbody>{"".join(rows)}</tbody></table>'


def _fields(row: pd.Series, lang: str) -> str:
    dates = ("start_date", "end_date", "completed_on", "approved_on")
    names = ("program", "strategic_goal", "curator", "program_manager", "project_manager", *dates, "status")
    values = [
        (
            t(f"col.projects.{n}", lang),
            _date(row[n])
            if n in dates
            else _label("enum.project_status", row[n], lang)
            if n == "status"
            else _e(row[n]),
        )
        for n in names
    ]
    return _pairs(values, [(t("col.projects.description", lang), _e(row["description"]))])


def _yes_no(value: object, lang: str) -> str:
    return "" if _missing(value) else html.escape(t("common.yes" if bool(value) else "common.no", lang))


def _team(team: pd.DataFrame, lang: str) -> str:
    if team.empty:
        return _nothing(lang)
    cols = [
        _Col(t("col.team.person", lang), 20),
        _Col(t("col.team.role", lang), 17),
        _Col(t("col.team.allocation_pct", lang), 10, "num"),
        _Col(t("col.team.from_date", lang), 9),
        _Col(t("col.team.to_date", lang), 9),
        _Col(t("passport.team_active", lang), 11),
        _Col(t("passport.team_total", lang), 13, "num"),
        _Col(t("passport.team_over", lang), 11),
    ]
    rows = [
        (
            _e(r["person"]),
            _label("enum.role", r["role"], lang),
            _pct(r["allocation_pct"], lang),
            _date(r["from_date"]),
            _date(r["to_date"]),
            _yes_no(r["active"], lang),
            _pct(r["total_pct"], lang),
            _yes_no(r["over_allocated"], lang),
        )
        for _, r in team.iterrows()
    ]
    return _table(cols, rows)


def _meter(achievement: object, expected: object, state: object) -> str:
    """Achievement as a bar, the level expected by the as-of date as a mark, the target (100 %)
    as a green line when the scale runs past it."""
    if _missing(achievement):
        return ""
    a, e = float(achievement), None if _missing(expected) else float(expected)  # type: ignore[arg-type]
    scale = min(max(1.0, a, e or 0.0), 1.5)
    colour = palette.INDICATOR_STATES.get(str(state), palette.NONE_COLOUR)
    parts = [
        f'<span class="fill" style="width:{min(max(a, 0.0), scale) / scale * 100:.1f}%;background:{colour}"></span>'
    ]
    if scale > 1:
        parts.append(f'<span class="goal" style="left:{100 / scale:.1f}%"></span>')
    if e is not None:
        parts.append(f'<span class="mark" style="left:{min(max(e, 0.0), scale) / scale * 100:.1f}%"></span>')
    return f'<div class="meter">{"".join(parts)}</div>'


def _indicators(rows: pd.DataFrame, lang: str) -> str:
    if rows.empty:
        return _nothing(lang)
    cols = [
        _Col(t("col.indicators.indicator_id", lang), 8),
        _Col(t("col.indicators.name", lang), 18),
        _Col(t("passport.indicator_status", lang), 10),
        _Col(t("passport.achievement", lang), 7.5, "num"),
        _Col(t("passport.expected", lang), 7.5, "num"),
        _Col(t("paper.bar", lang), 12),
        _Col(t("passport.latest", lang), 8, "num"),
        _Col(t("col.indicators.target", lang), 7, "num"),
        _Col(t("col.indicators.unit", lang), 7),
        _Col(t("col.indicators.deadline", lang), 7.5),
        _Col(t("col.indicators.kind", lang), 7.5),
    ]
    out = []
    for _, r in rows.iterrows():
        colour = palette.INDICATOR_STATES.get(str(r["status"]), palette.NONE_COLOUR)
        out.append(
            (
                _e(r["indicator_id"]),
                _e(r["name"]),
                _swatch(colour) + _label("indicator_status", r["status"], lang),
                _share(r["achievement"], lang),
                _share(r["expected"], lang),
                _meter(r["achievement"], r["expected"], r["status"]),
                _num(r["latest_actual"], lang),
                _num(r["target"], lang),
                _e(r["unit"]),
                _date(r["deadline"]),
                _label("enum.indicator_kind", r["kind"], lang),
            )
        )
    return _table(cols, out)


def _plan(acts: pd.DataFrame, as_of: dt.date, lang: str) -> str:
    """The plan: each activity with its state on the as-of date and days overdue, and its bar
    from the planned start to the planned end, red when overdue (hatched up to the as-of date)."""
    if acts.empty:
        return _nothing(lang)
    starts = acts["planned_start"].fillna(acts["planned_end"])
    cols = [
        _Col(t("col.activities.activity_id", lang), 7),
        _Col(t("col.activities.name", lang), 14),
        _Col(t("col.activities.responsible", lang), 9),
        _Col(t("col.activities.planned_start", lang), 6.5),
        _Col(t("col.activities.planned_end", lang), 6.5),
        _Col(t("col.activities.actual_end", lang), 7),
        _Col(t("col.activities.percent_complete", lang), 7, "num"),
        _Col(t("passport.state_header", lang), 9),
        _Col(t("passport.days_overdue", lang), 6.5, "num"),
        _Col(t("passport.days_late", lang), 6.5, "num"),
        _Col(t("paper.schedule", lang), 21, "track"),
    ]
    axis = _axis(starts, acts["planned_end"], as_of, 21)
    heads = [html.escape(c.head) for c in cols[:-1]] + [_axis_head(axis, as_of)]
    rows = []
    for (_, r), start in zip(acts.iterrows(), starts, strict=True):
        colour = palette.STATES.get(str(r["state"]), palette.NONE_COLOUR)
        late = r["state"] == "overdue"
        rows.append(
            (
                _e(r["activity_id"]),
                _e(r["name"]),
                _e(r["responsible"]),
                _date(r["planned_start"]),
                _date(r["planned_end"]),
                _date(r["actual_end"]),
                _pct(r["percent_complete"], lang),
                _swatch(colour) + _label("passport.state", r["state"], lang),
                _int(r["days_overdue"], lang),
                _int(r["days_late"], lang),
                _track(axis, as_of, start, r["planned_end"], colour, late),
            )
        )
    shown = [s for s in palette.STATES if s in set(acts["state"])]
    keys = [(palette.STATES[s], t(f"passport.state.{s}", lang)) for s in shown]
    late_any = bool(acts["state"].eq("overdue").any())
    return _table(cols, rows, heads=heads) + _legend(keys, as_of=as_of, late=late_any, lang=lang)


def _matrix(risks: pd.DataFrame, zones: Mapping[tuple[int, int], str], lang: str) -> str:
    """The 5×5 matrix of the open risks: probability up, impact across, the count in each cell."""
    grid = heatmap(risks).to_numpy(dtype=int) if len(risks) else [[0] * 5 for _ in range(5)]
    rows = []
    for p in range(5, 0, -1):
        cells = "".join(
            f'<td style="background:{palette.ZONES[zones[(p, i)]]}">{grid[p - 1][i - 1] or ""}</td>'
            for i in range(1, 6)
        )
        rows.append(f'<tr><td class="ax">{p}</td>{cells}</tr>')
    rows.append('<tr><td class="ax"></td>' + "".join(f'<td class="ax">{i}</td>' for i in range(1, 6)) + "</tr>")
    axes = f"↑ {t('col.risks.probability', lang)} · → {t('col.risks.impact', lang)}"
    return (
        f'<div><h3>{html.escape(t("paper.matrix", lang))}</h3><table class="matrix">{"".join(rows)}</table>'
        f'<p class="note">{html.escape(axes)}</p></div>'
    )


def _risks(risks: pd.DataFrame, zones: Mapping[tuple[int, int], str], lang: str) -> str:
    if risks.empty:
        return _nothing(lang)
    ordered = risks.sort_values(["is_open", "score", "risk_id"], ascending=[False, False, True])
    cols = [
        _Col(t("col.risks.risk_id", lang), 7),
        _Col(t("col.risks.title", lang), 20),
        _Col(t("passport.score", lang), 9),
        _Col(t("col.risks.priority", lang), 8),
        _Col(t("col.risks.status", lang), 7),
        _Col(t("col.risks.owner", lang), 11),
        _Col(t("col.risks.mitigation", lang), 22),
        _Col(t("passport.flags", lang), 14),
    ]
    rows = [
        (
            _e(r["risk_id"]),
            _e(r["title"]),
            f"{_int(r['probability'], lang)} × {_int(r['impact'], lang)} = {_int(r['score'], lang)}",
            _label("enum.priority", r["priority"], lang),
            _label("enum.risk_status", r["status"], lang),
            _e(r["owner"]),
            _e(r["mitigation"]),
            ", ".join(_label("risk_flag", f, lang) for f in (r["flags"] if isinstance(r["flags"], list) else [])),
        )
        for _, r in ordered.iterrows()
    ]
    return f'<div class="pair">{_matrix(risks, zones, lang)}<div>{_table(cols, rows)}</div></div>'


def _budget(lines: pd.DataFrame, lang: str) -> str:
    """Financed lines with the total absorption; the additional funding required apart (DT §17.2)."""
    out = []
    total = budget_summary(lines, ["financed"]).set_index("financed")
    if True in total.index:
        fin: Any = total.loc[True]
        absorbed = fin["absorption"]
        sentence = t(
            "passport.budget_total",
            lang,
            planned=numbers.money(float(fin["planned"]), lang),
            spent=numbers.money(None if _missing(fin["spent"]) else float(fin["spent"]), lang),
            absorption=numbers.percent(None if _missing(absorbed) else absorbed / 100, lang),
        )
        out.append(f"<p>{_bold(sentence)}</p>")
    cols = [
        _Col(t("col.budget.year", lang), 8),
        _Col(t("col.budget.funding_source", lang), 32),
        _Col(t("col.budget.planned", lang), 16, "num"),
        _Col(t("col.budget.spent", lang), 16, "num"),
        _Col(t("passport.absorption", lang), 12, "num"),
    ]
    for financed, part in ((True, "financed"), (False, "unfunded")):
        mine = lines[lines["financed"] == financed]
        out.append(f"<h3>{html.escape(t(f'passport.{part}_title', lang))}</h3>")
        if mine.empty:
            out.append(_nothing(lang))
            continue
        shown = cols if financed else cols[:3]
        rows = [
            (
                _e(r["year"]),
                _label("enum.funding_source", r["funding_source"], lang),
                "" if _missing(r["planned"]) else numbers.money(float(r["planned"]), lang),
                "" if _missing(r["spent"]) else numbers.money(float(r["spent"]), lang),
                _pct(r["absorption"], lang),
            )[: len(shown)]
            for _, r in mine.iterrows()
        ]
        out.append(_table(shown, rows))
    return "".join(out)


def _changes(changes: pd.DataFrame, lang: str) -> str:
    if changes.empty:
        return _nothing(lang)
    cols = [
        _Col(t("col.changes.change_id", lang), 8),
        _Col(t("col.changes.submitted_on", lang), 9),
        _Col(t("col.changes.description", lang), 41),
        _Col(t("col.changes.decision", lang), 11),
        _Col(t("col.changes.decided_on", lang), 9),
        _Col(t("passport.due", lang), 9),
        _Col(t("passport.days_overdue", lang), 9, "num"),
    ]
    rows = [
        (
            _e(r["change_id"]),
            _date(r["submitted_on"]),
            _e(r["description"]),
            _label("enum.decision", r["decision"], lang),
            _date(r["decided_on"]),
            _date(r["due"]),
            _int(r["days_overdue"], lang),
        )
        for _, r in changes.iterrows()
    ]
    return _table(cols, rows)


def _evaluation(ev: pd.DataFrame, lang: str) -> str:
    """The evaluation report (Reg §47–50) as label–value pairs."""
    if ev.empty:
        return _nothing(lang)
    r = ev.iloc[0]
    state = t(f"passport.eval.{r['state']}", lang)
    if r["state"] == "late":
        state = f"{state} ({t('passport.days_late', lang)}: {_int(r['days_late'], lang)})"
    values = [
        (t("passport.eval_state", lang), html.escape(state)),
        (t("col.projects.completed_on", lang), _date(r["completed_on"])),
        (t("passport.eval_due", lang), _date(r["due"])),
        (t("col.evaluations.submitted_on", lang), _date(r["submitted_on"])),
        (t("col.evaluations.budget_absorbed_pct", lang), _num(r["budget_absorbed_pct"], lang)),
    ]
    long = [
        (t("col.evaluations.final_result", lang), _e(r["final_result"])),
        (t("col.evaluations.lessons_learned", lang), _e(r["lessons_learned"])),
    ]
    return _pairs([(k, v) for k, v in values if v], [(k, v) for k, v in long if v])


def passport_title(pid: str, lang: str) -> str:
    """The stamp's title of a passport: the page and the project's ID."""
    return f"{t('page.passport', lang)} · {pid}"


def passport_body(p: Passport, stamp: Stamp, lang: str) -> str:
    """A project's passport on paper: status, passport, team, indicators, plan, risks, budget,
    change requests and evaluation."""
    row = p.status
    return "".join(
        [
            f"<h1>{_e(row['project_id'])} · {_e(row['name'])}</h1>",
            f'<div class="sub">{html.escape(t("page.passport", lang))} · {html.escape(stamp.data(lang))}</div>',
            _state_box(row, lang),
            _section(t("paper.fields", lang), _fields(p.fields, lang)),
            _section(t("passport.team_title", lang), _team(p.team, lang)),
            _section(t("passport.kpi_title", lang), _indicators(p.indicators, lang)),
            _section(t("passport.plan_title", lang), _plan(p.activities, p.as_of, lang)),
            _section(t("passport.risks_title", lang), _risks(p.risks, p.zones, lang)),
            f'<div class="sec">{_section(t("passport.budget_title", lang), _budget(p.budget, lang))}</div>',
            _section(t("passport.changes_title", lang), _changes(p.changes, lang)),
            f'<div class="sec">{_section(t("passport.evaluation_title", lang), _evaluation(p.evaluation, lang))}</div>',
        ]
    )


def passport(con: duckdb.DuckDBPyConnection, pid: str, as_of: dt.date, lang: str) -> str | None:
    """A project's passport document, from the store; None for an unknown project."""
    p = passport_of(con, pid, as_of)
    if p is None:
        return None
    head = stamp(con, passport_title(pid, lang), as_of)
    return document(passport_body(p, head, lang), head, lang)


# --------------------------------------------------------------------------------------------
# To PDF


class PaperError(RuntimeError):
    """No PDF could be made; ``message`` says why in the user's language."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(code, params)

    def message(self, lang: str) -> str:
        return t(f"paper.{self.code}", lang, **self.params)


def unavailable(chromium: str | None = None) -> PaperError | None:
    """Why this machine cannot make a PDF (None when it can): no Chromium, or no Playwright."""
    path = chromium or CHROMIUM
    if not Path(path).is_file():
        return PaperError("no_chromium", path=path)
    try:
        import playwright.sync_api  # noqa: F401
    except ModuleNotFoundError:
        return PaperError("no_playwright")
    return None


#: one Chromium at a time: a second request waits rather than doubling the server's load
_ONE_AT_A_TIME = threading.Lock()


def pdf(document_html: str, *, chromium: str | None = None) -> bytes:
    """``document_html`` printed by Chromium on A4 landscape (its own ``@page`` rules), with
    backgrounds; JavaScript off, no network: a request the document would make is refused."""
    path = chromium or CHROMIUM
    if (problem := unavailable(path)) is not None:
        raise problem
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with _ONE_AT_A_TIME, sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=path, args=list(CHROME_ARGS), timeout=60_000)
        except PlaywrightError as exc:
            raise PaperError("failed", reason=str(exc).splitlines()[0]) from exc
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(document_html, wait_until="load", timeout=60_000)
            return page.pdf(format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
        except PlaywrightError as exc:
            raise PaperError("failed", reason=str(exc).splitlines()[0]) from exc
        finally:
            browser.close()
