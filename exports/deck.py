"""The quarterly meeting's PowerPoint deck (Reg §34): title, portfolio summary, agenda, and one
slide per team with the same content as the presentation view.

Charts are native PowerPoint charts (their data stays editable), the heatmap and the lists are
real tables with coloured cells, the slides are 16:9, and every run of text is set in a font that
has the Kazakh letters (ә ғ қ ң ө ұ ү һ і).

Every number written as text goes through ``i18n.numbers`` in the deck's language (``75,5%`` in
Kazakh and Russian, ``75.5%`` in English); the charts' numbers carry Excel number formats, which
PowerPoint shows in the viewer's own regional format. A RAG applies only to projects in planning
or execution: any other project shows its stage on the quarter end instead, and a completed one
its final result (indicators achieved of all).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Inches, Length, Pt

from i18n import has, numbers, t
from metrics.common import quarter_label
from metrics.meeting import Brief, MeetingPack

from . import palette

FONT: Final = "Arial"  # Liberation Sans / Arial: both carry the Kazakh Cyrillic letters
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
NAVY: Final = RGBColor(0x1F, 0x4E, 0x79)
GREY: Final = RGBColor(0x60, 0x60, 0x60)
WHITE: Final = RGBColor(0xFF, 0xFF, 0xFF)
DARK: Final = RGBColor(0x21, 0x21, 0x21)
#: the RAG palette of the pages (``exports.palette``): colour, text colour and shape
RAG_FILL: Final = {rag: colour.lstrip("#") for rag, colour in palette.COLOURS.items()}
#: a project without a RAG (not in planning or execution) shows its stage on a neutral colour
STAGE_FILL: Final = {"completed": "1F4E79"}
NO_RAG_FILL: Final = "9E9E9E"
ZONE_FILL: Final = {"high": "E57373", "medium": "FFD54F", "low": "AED581"}
STATUS_FILL: Final = {
    "achieved": "2E7D32",
    "on_track": "66BB6A",
    "at_risk": "EF8F00",
    "off_track": "C62828",
    "missed": "8E0000",
    "no_data": "9E9E9E",
}
#: Excel number formats of the charts' data: PowerPoint shows them in the viewer's regional format
COUNT_FORMAT: Final = "#,##0"
SHARE_FORMAT: Final = "0%"
MAX_ROWS: Final = 6
AGENDA_ROWS: Final = 12


def _rgb(hex_: str) -> RGBColor:
    colour: RGBColor = RGBColor.from_string(hex_)
    return colour


_WORDS: Final = re.compile(r"[^\S\u00a0]+")  # not the no-break space, which holds a number together


def _cut(text: object, limit: int) -> str:
    """One line of at most ``limit`` characters; runs of spaces and line breaks become one space,
    no-break spaces (inside numbers) stay."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else _WORDS.sub(" ", str(text)).strip(" ")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _signed(value: float, lang: str, digits: int = 0) -> str:
    """A change: ``+3``, ``-2``, ``0`` (no sign for what rounds to nothing)."""
    text = numbers.number(value, lang, digits)
    return text if text.startswith("-") or not text.strip("0,.") else f"+{text}"


def _day(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d.%m.%Y}"


class Deck:
    """A deck in one language; slides are added in order."""

    def __init__(
        self,
        lang: str,
        quarter_end: dt.date,
        status: pd.DataFrame | None = None,
        data_batch: tuple[int, dt.datetime] | None = None,
    ) -> None:
        self.lang = lang
        self.quarter_end = quarter_end
        # per project: its stage on the quarter end and its indicators (the picture's status frame)
        self.stages: dict[str, dict[str, Any]] = {}
        if status is not None and len(status):
            cols = [c for c in ("lifecycle", "indicators", "indicators_achieved", "indicators_missed") if c in status]
            frame = status.set_index("project_id")[cols]
            self.stages = {str(pid): dict(row) for pid, row in frame.to_dict("index").items()}
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.blank = self.prs.slide_layouts[6]
        self.footer = f"{t('meeting.office', lang)} · {self.quarter_name()}"
        if data_batch is not None:  # which data: ``pmo export --batch N`` rebuilds the deck from it
            batch_id, imported = data_batch
            when = f"{imported:%d.%m.%Y %H:%M}"
            self.footer += " · " + t("as_of_batch.stamp", lang, batch=batch_id, when=when)

    def tr(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def label(self, prefix: str, value: object) -> str:
        key = f"{prefix}.{value}"
        return self.tr(key) if value is not None and has(key) else ("—" if value is None else str(value))

    # numbers, in the deck's language -------------------------------------------------------

    def num(self, value: float | None, digits: int = 0) -> str:
        return numbers.number(None if _missing(value) else value, self.lang, digits)

    def pct(self, fraction: float | None, digits: int = 0) -> str:
        """A share 0–1 as a percentage."""
        return numbers.percent(None if _missing(fraction) else fraction, self.lang, digits)

    def pct100(self, value: float | None, digits: int = 1) -> str:
        """A value already 0–100 (budget absorption) as a percentage."""
        return numbers.pct(None if _missing(value) else value, self.lang, digits)

    def money(self, value: float | None) -> str:
        return numbers.money(None if _missing(value) else value, self.lang)

    def pp(self, before: float | None, now: float | None) -> str:
        """The change of a share in percentage points: ``+3 п.п.``; empty without both."""
        if _missing(before) or _missing(now):
            return ""
        assert before is not None and now is not None
        return f"{_signed((now - before) * 100, self.lang)} {self.tr('meeting.pp')}"

    # a project's standing: its RAG, or its stage when no RAG applies ------------------------

    def standing(self, project_id: str, rag: str | None) -> tuple[str, str]:
        """The status a project shows and its colour: the RAG of a project in planning or
        execution; otherwise its stage on the quarter end (completed, suspended...)."""
        if rag is not None and not _missing(rag) and rag in RAG_FILL:
            return f"{palette.SHAPES[rag]} {self.tr(f'rag.{rag}')}", RAG_FILL[rag]
        stage = self.stages.get(project_id, {}).get("lifecycle")
        if stage is None or _missing(stage) or not has(f"enum.project_status.{stage}"):
            return "—", NO_RAG_FILL
        return self.tr(f"enum.project_status.{stage}"), STAGE_FILL.get(str(stage), NO_RAG_FILL)

    def final_result(self, project_id: str) -> str | None:
        """A completed project's final result: its indicators achieved and missed of all."""
        info = self.stages.get(project_id, {})
        if info.get("lifecycle") != "completed":
            return None
        total, achieved, missed = (info.get(k) for k in ("indicators", "indicators_achieved", "indicators_missed"))
        if _missing(total) or not total:
            return self.tr("meeting.final_result_none")
        return self.tr(
            "meeting.final_result",
            achieved=self.num(0 if _missing(achieved) else achieved),
            total=self.num(total),
            missed=self.num(0 if _missing(missed) else missed),
        )

    def quarter_name(self) -> str:
        return self.tr("meeting.quarter", year=self.quarter_end.year, q=(self.quarter_end.month - 1) // 3 + 1)

    # primitives ----------------------------------------------------------------------------

    def slide(self, title: str, *, width: float = 12.5) -> Any:
        slide = self.prs.slides.add_slide(self.blank)
        size = 26 if len(title) <= 44 else 22 if len(title) <= 60 else 18
        self.text(slide, title, Inches(0.4), Inches(0.25), Inches(width), Inches(0.7), size=size, bold=True, color=NAVY)
        self.text(slide, self.footer, Inches(0.4), Inches(7.05), Inches(10.5), Inches(0.3), size=9, color=GREY)
        number = len(self.prs.slides)
        self.text(
            slide,
            self.num(number),
            Inches(12.2),
            Inches(7.05),
            Inches(0.7),
            Inches(0.3),
            size=9,
            color=GREY,
            align=PP_ALIGN.RIGHT,
        )
        return slide

    def text(
        self,
        slide: Any,
        text: str,
        x: Length,
        y: Length,
        w: Length,
        h: Length,
        *,
        size: int = 14,
        bold: bool = False,
        color: RGBColor = DARK,
        align: Any = PP_ALIGN.LEFT,
        fill: str | None = None,
    ) -> Any:
        box = slide.shapes.add_textbox(x, y, w, h)
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE if fill else MSO_ANCHOR.TOP
        if fill:
            box.fill.solid()
            box.fill.fore_color.rgb = _rgb(fill)
        for i, line in enumerate(text.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.alignment = align
            run = para.add_run()
            run.text = line
            run.font.name, run.font.size, run.font.bold = FONT, Pt(size), bold
            run.font.color.rgb = color
        return box

    def table(
        self,
        slide: Any,
        rows: Sequence[Sequence[str]],
        x: Length,
        y: Length,
        widths: Sequence[float],
        *,
        size: int = 11,
        fills: Mapping[tuple[int, int], str] | None = None,
        row_h: float = 0.32,
        white_text: set[tuple[int, int]] | None = None,
    ) -> Any:
        n_rows, n_cols = len(rows), len(widths)
        shape = slide.shapes.add_table(n_rows, n_cols, x, y, Inches(sum(widths)), Inches(row_h * n_rows))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w)
        for i, row in enumerate(rows):
            table.rows[i].height = Inches(row_h)
            for j in range(n_cols):
                cell = table.cell(i, j)
                cell.margin_left = cell.margin_right = Inches(0.05)
                cell.margin_top = cell.margin_bottom = Inches(0.02)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                para = cell.text_frame.paragraphs[0]
                run = para.add_run()
                run.text = row[j] if j < len(row) else ""
                run.font.name, run.font.size = FONT, Pt(size)
                run.font.bold = i == 0
                fill = (fills or {}).get((i, j))
                if i == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = NAVY
                    run.font.color.rgb = WHITE
                elif fill:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(fill)
                    run.font.color.rgb = WHITE if (i, j) in (white_text or set()) else DARK
                else:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = WHITE if i % 2 else RGBColor(0xF3, 0xF6, 0xF9)
                    run.font.color.rgb = DARK
        return shape

    def fonts_in_charts(self, chart: Any, size: int = 11) -> None:
        chart.font.name, chart.font.size = FONT, Pt(size)

    # slides --------------------------------------------------------------------------------

    def title_slide(self) -> None:
        slide = self.prs.slides.add_slide(self.blank)
        band = slide.shapes.add_shape(1, 0, Inches(2.3), WIDTH, Inches(2.6))
        band.fill.solid()
        band.fill.fore_color.rgb = NAVY
        band.line.fill.background()
        self.text(
            slide,
            self.tr("meeting.title"),
            Inches(0.8),
            Inches(2.5),
            Inches(11.7),
            Inches(1.1),
            size=40,
            bold=True,
            color=WHITE,
        )
        date = f"{self.quarter_end:%d.%m.%Y}"
        self.text(
            slide,
            self.tr("meeting.subtitle", quarter=self.quarter_name(), date=date),
            Inches(0.8),
            Inches(3.6),
            Inches(11.7),
            Inches(0.8),
            size=22,
            color=WHITE,
        )
        self.text(
            slide, self.tr("meeting.office"), Inches(0.8), Inches(5.4), Inches(11.7), Inches(0.6), size=16, color=GREY
        )

    DIGEST_ROWS: Final = 14

    def digest_slide(self, data: Mapping[str, Any]) -> None:
        """Since the last review: the changes worst first (the first ``DIGEST_ROWS``; the pack's
        sheet has them all), each with its direction in words and a light fill."""
        from .digest_text import change_row, counts, span_text

        slide = self.slide(span_text(data, self.lang))
        changes = list(data["changes"])
        line = " · ".join(f"{self.tr(f'digest.col.{d}')}: {self.num(n)}" for d, n in counts(data).items())
        self.text(slide, line, Inches(0.4), Inches(0.92), Inches(12.5), Inches(0.35), size=12, color=GREY)
        if not changes:
            self.text(slide, self.tr("digest.nothing"), Inches(0.4), Inches(1.4), Inches(12.5), Inches(0.5), size=14)
            return
        keys = ("project", "direction", "kind", "item", "before", "after", "note")
        rows: list[list[str]] = [[self.tr(f"digest.col.{k}") for k in keys]]
        fills: dict[tuple[int, int], str] = {}
        for i, c in enumerate(changes[: self.DIGEST_ROWS], start=1):
            shown = change_row(c, self.lang)
            rows.append([_cut(shown[k], 60 if k == "note" else 28) for k in keys])
            fills[(i, 1)] = DIGEST_FILL[c["direction"]]
        self.table(
            slide, rows, Inches(0.4), Inches(1.35), [0.7, 1.1, 2.1, 1.9, 1.3, 1.3, 4.1], size=9, fills=fills, row_h=0.36
        )
        more = len(changes) - self.DIGEST_ROWS
        if more > 0:
            self.text(
                slide,
                self.tr("digest.more", count=self.num(more)),
                Inches(0.4),
                Inches(6.75),
                Inches(12.5),
                Inches(0.3),
                size=10,
                color=GREY,
            )

    def summary_slide(self, pack: MeetingPack, heatmap: pd.DataFrame) -> None:
        s, b = pack.summary, pack.summary_before
        slide = self.slide(self.tr("meeting.summary"))
        kpi_delta = self.pp(b["kpi_index"], s["kpi_index"])
        tiles = [
            (
                self.tr("meeting.kpi_index"),
                self.pct(s["kpi_index"]),
                f"{kpi_delta} · {self.tr('meeting.kpi_change')}" if kpi_delta else "",
            ),
            (self.tr("meeting.active_projects"), self.num(s["active_projects"]), ""),
            (
                self.tr("meeting.overdue_items"),
                self.num(s["overdue_items"]),
                _signed(s["overdue_items"] - b["overdue_items"], self.lang),
            ),
            (
                self.tr("meeting.high_risks"),
                self.num(s["open_high_risks"]),
                _signed(s["open_high_risks"] - b["open_high_risks"], self.lang),
            ),
            (self.tr("meeting.absorption"), self.pct100(s["budget"]["absorption"]), ""),
            (self.tr("meeting.unfunded"), self.money(s["budget"]["additional_funding_required"]), ""),
        ]
        for k, (label, value, note) in enumerate(tiles):
            x = Inches(0.4 + (k % 3) * 2.25)
            y = Inches(1.2 + (k // 3) * 1.55)
            self.text(slide, label, x, y, Inches(2.15), Inches(0.5), size=11, color=GREY)
            self.text(slide, value, x, y + Inches(0.42), Inches(2.15), Inches(0.6), size=26, bold=True, color=NAVY)
            if note:
                self.text(slide, note, x, y + Inches(1.0), Inches(2.15), Inches(0.35), size=10, color=GREY)
        # RAG counts of the projects in planning or execution: a native chart, one colour per status
        data = CategoryChartData(number_format=COUNT_FORMAT)
        data.categories = [self.tr(f"rag.{r}") for r in ("red", "amber", "green")]
        data.add_series(self.tr("meeting.rag_counts_live"), [s["rag"][r] for r in ("red", "amber", "green")])
        frame = slide.shapes.add_chart(
            XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.4), Inches(4.4), Inches(6.6), Inches(2.55), data
        )
        chart = frame.chart
        self.fonts_in_charts(chart)
        chart.has_title = True
        chart.chart_title.text_frame.text = self.tr("meeting.rag_counts_live")
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.name = FONT
        chart.has_legend = False
        chart.value_axis.tick_labels.number_format = COUNT_FORMAT
        chart.value_axis.tick_labels.number_format_is_linked = False
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = COUNT_FORMAT  # shown in the viewer's regional format
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
        for point, rag in zip(plot.series[0].points, ("red", "amber", "green"), strict=True):
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = _rgb(RAG_FILL[rag])
        # the 5×5 heatmap of open risks: a table, zone colours, counts in the cells
        self.text(
            slide,
            self.tr("meeting.heatmap"),
            Inches(7.4),
            Inches(1.15),
            Inches(5.6),
            Inches(0.5),
            size=14,
            bold=True,
            color=NAVY,
        )
        self.heatmap_table(slide, heatmap, Inches(7.4), Inches(1.7), cell=0.85)
        self.text(
            slide,
            self.tr("meeting.heatmap_legend"),
            Inches(7.4),
            Inches(5.15),
            Inches(5.5),
            Inches(0.6),
            size=10,
            color=GREY,
        )

    def heatmap_table(
        self,
        slide: Any,
        grid: pd.DataFrame,
        x: Length,
        y: Length,
        *,
        cell: float,
        marks: Mapping[tuple[int, int], int] | None = None,
    ) -> None:
        rows = [[self.tr("meeting.heatmap_corner"), *(self.num(i) for i in range(1, 6))]]
        fills: dict[tuple[int, int], str] = {}
        high, medium = self.thresholds
        for r, p in enumerate(range(5, 0, -1), start=1):
            row = [self.num(p)]
            for c, i in enumerate(range(1, 6), start=1):
                count = int((marks or {}).get((p, i), 0)) if marks is not None else int(grid.loc[p, i])
                row.append(self.num(count) if count else "")
                zone = "high" if p * i >= high else "medium" if p * i >= medium else "low"
                fills[(r, c)] = ZONE_FILL[zone]
            rows.append(row)
        self.table(slide, rows, x, y, [cell * 1.4, *[cell] * 5], size=13, fills=fills, row_h=cell * 0.55)

    thresholds: tuple[float, float] = (15, 5)

    def agenda_slides(self, agenda: pd.DataFrame, minutes: int) -> None:
        total_min = minutes * len(agenda)
        total = self.tr("meeting.total", hours=self.num(total_min // 60), minutes=self.num(total_min % 60))
        heads = [
            self.tr(k)
            for k in (
                "meeting.position",
                "meeting.start",
                "meeting.end",
                "meeting.project",
                "meeting.program",
                "meeting.status",
            )
        ]
        chunks = [agenda.iloc[i : i + AGENDA_ROWS] for i in range(0, max(len(agenda), 1), AGENDA_ROWS)]
        for k, chunk in enumerate(chunks):
            title = self.tr("meeting.agenda") + (f" ({k + 1}/{len(chunks)})" if len(chunks) > 1 else "")
            slide = self.slide(title)
            self.text(
                slide,
                self.tr("meeting.agenda_note", minutes=self.num(minutes), total=total),
                Inches(0.4),
                Inches(0.95),
                Inches(12.5),
                Inches(0.4),
                size=13,
                color=GREY,
            )
            rows = [heads]
            fills: dict[tuple[int, int], str] = {}
            for i, r in enumerate(chunk.itertuples(), start=1):
                status, fill = self.standing(str(r.project_id), r.rag)
                rows.append(
                    [
                        self.num(r.position),
                        r.start,
                        r.end,
                        _cut(f"{r.project_id} · {r.name}", 58),
                        _cut(r.program, 40),
                        status,
                    ]
                )
                fills[(i, 5)] = fill
            white = {cell for cell, fill in fills.items() if palette.ink(fill) == "#FFFFFF"}
            self.table(
                slide,
                rows,
                Inches(0.4),
                Inches(1.45),
                [0.5, 0.95, 0.95, 5.2, 3.0, 1.9],
                size=12,
                fills=fills,
                row_h=0.38,
                white_text=white,
            )

    def project_slide(self, b: Brief, index: int, total: int) -> None:
        slide = self.slide(_cut(f"{b.project_id} · {b.name}", 80), width=10.8)
        status, fill = self.standing(b.project_id, b.rag)
        self.text(
            slide,
            status,
            Inches(11.35),
            Inches(0.3),
            Inches(1.55),
            Inches(0.55),
            size=14,
            bold=True,
            color=_rgb(palette.ink(fill).lstrip("#")),
            align=PP_ALIGN.CENTER,
            fill=fill,
        )
        change = self.pp(b.kpi_index_before, b.kpi_index)
        delta = f" ({change})" if change else ""
        counts = b.decided_counts()
        decided = (
            self.tr(
                "decisions.last_time",
                total=self.num(counts["total"]),
                done=self.num(counts["done"]),
                overdue=self.num(counts["overdue"]),
            )
            if counts["total"]
            else ""
        )
        line = " · ".join(
            x
            for x in (
                b.program or "",
                self.tr("meeting.manager", name=b.project_manager or "—"),
                f"{self.tr('meeting.kpi_index')}: {self.pct(b.kpi_index)}{delta}",
                decided,
                self.tr("meeting.slide_of", n=self.num(index), total=self.num(total)),
            )
            if x
        )
        self.text(slide, line, Inches(0.4), Inches(0.92), Inches(12.5), Inches(0.35), size=12, color=GREY)
        result = self.final_result(b.project_id)
        if result is not None:  # a completed project: no RAG, its final result instead
            self.text(slide, result, Inches(0.4), Inches(1.25), Inches(12.5), Inches(0.4), size=11, color=DARK)
        elif b.rag_reasons:
            reasons = "; ".join(self.reason(c) for c in b.rag_reasons[:4])
            more = len(b.rag_reasons) - 4
            if more > 0:
                reasons += "; " + self.tr("meeting.more", count=self.num(more))
            self.text(
                slide,
                f"{self.tr('meeting.reasons')}: {_cut(reasons, 220)}",
                Inches(0.4),
                Inches(1.25),
                Inches(12.5),
                Inches(0.4),
                size=11,
                color=DARK,
            )
        self.kpi_chart(slide, b)
        self.risk_block(slide, b)
        self.overdue_block(slide, b)
        self.budget_block(slide, b)
        self.decisions_block(slide, b)

    def reason(self, code: str) -> str:
        name, _, item = code.partition(":")
        text = self.label("rag_reason", name)
        return f"{text} ({item})" if item else text

    def kpi_chart(self, slide: Any, b: Brief) -> None:
        ind = b.indicators.head(8)
        if ind.empty:
            self.text(slide, self.tr("indicator_status.no_data"), Inches(0.4), Inches(1.8), Inches(6.3), Inches(0.5))
            return
        data = CategoryChartData(number_format=SHARE_FORMAT)
        # an indicator without a value yet says so: an empty bar must not read as 0 %
        data.categories = [
            f"{i} · {self.tr('indicator_status.no_data')}" if pd.isna(a) else str(i)
            for i, a in zip(ind["indicator_id"], ind["achievement"], strict=True)
        ]
        # no value yet stays empty (never 0 %)
        data.add_series(self.tr("meeting.achievement"), [_num(v) for v in ind["achievement"]])
        data.add_series(self.tr("meeting.expected"), [_num(v) for v in ind["expected"]])
        data.add_series(self.tr("meeting.before"), [_num(v) for v in ind["before"]])
        frame = slide.shapes.add_chart(
            XL_CHART_TYPE.BAR_CLUSTERED, Inches(0.4), Inches(1.7), Inches(6.4), Inches(2.75), data
        )
        chart = frame.chart
        self.fonts_in_charts(chart, 10)
        chart.has_title = True
        chart.chart_title.text_frame.text = self.tr("meeting.kpi_chart")
        for run in chart.chart_title.text_frame.paragraphs[0].runs:
            run.font.name, run.font.size = FONT, Pt(12)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        values = pd.to_numeric(ind["achievement"]).dropna()
        chart.value_axis.maximum_scale = max(1.2, float(values.max()) + 0.1) if len(values) else 1.2
        chart.value_axis.minimum_scale = min(0.0, float(values.min())) if len(values) else 0.0
        chart.value_axis.tick_labels.number_format = SHARE_FORMAT
        chart.value_axis.tick_labels.number_format_is_linked = False
        chart.category_axis.reverse_order = True
        colours = ("1F4E79", "9E9E9E", "BDD7EE")
        for series, colour in zip(chart.plots[0].series, colours, strict=True):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(colour)
        plot = chart.plots[0]
        plot.gap_width = 60

    def risk_block(self, slide: Any, b: Brief) -> None:
        self.text(
            slide,
            self.tr("meeting.risks"),
            Inches(0.4),
            Inches(4.5),
            Inches(6.4),
            Inches(0.35),
            size=13,
            bold=True,
            color=NAVY,
        )
        if b.risks.empty:
            self.text(slide, self.tr("meeting.no_risks"), Inches(0.4), Inches(4.85), Inches(6.4), Inches(0.35), size=11)
            return
        rows = [
            [
                self.tr("meeting.item"),
                self.tr("meeting.title_col"),
                self.tr("meeting.position_pi"),
                self.tr("meeting.priority"),
            ]
        ]
        fills: dict[tuple[int, int], str] = {}
        for i, r in enumerate(b.risks.head(5).itertuples(), start=1):
            rows.append(
                [
                    r.risk_id,
                    _cut(r.title, 48),
                    f"{self.num(r.probability)}×{self.num(r.impact)} = {self.num(r.score)}",
                    self.label("enum.priority", r.priority),
                ]
            )
            fills[(i, 3)] = ZONE_FILL.get(str(r.priority), "FFFFFF")
        self.table(slide, rows, Inches(0.4), Inches(4.85), [1.0, 3.2, 1.0, 1.2], size=10, fills=fills, row_h=0.33)

    def overdue_block(self, slide: Any, b: Brief) -> None:
        x = Inches(7.05)
        self.text(
            slide,
            f"{self.tr('meeting.overdue')} ({self.num(len(b.overdue))})",
            x,
            Inches(1.7),
            Inches(5.9),
            Inches(0.35),
            size=13,
            bold=True,
            color=NAVY,
        )
        if b.overdue.empty:
            self.text(slide, self.tr("meeting.no_overdue"), x, Inches(2.05), Inches(5.9), Inches(0.35), size=11)
            return
        rows = [[self.tr("meeting.kind"), self.tr("meeting.item"), self.tr("meeting.due"), self.tr("meeting.days")]]
        shown = b.overdue.head(4)
        for r in shown.itertuples():
            rows.append(
                [
                    self.label("overdue_kind", r.kind),
                    _cut(f"{r.item_id} {r.title or ''}", 34),
                    _day(r.due),
                    self.num(r.days_overdue),
                ]
            )
        if len(b.overdue) > len(shown):
            rows.append(["", self.tr("meeting.more", count=self.num(len(b.overdue) - len(shown))), "", ""])
        self.table(slide, rows, x, Inches(2.05), [1.75, 2.55, 1.0, 0.6], size=10, row_h=0.3)

    def budget_block(self, slide: Any, b: Brief) -> None:
        x = Inches(7.05)
        self.text(
            slide,
            self.tr("meeting.budget", year=self.quarter_end.year),
            x,
            Inches(3.95),
            Inches(5.9),
            Inches(0.35),
            size=13,
            bold=True,
            color=NAVY,
        )
        if b.budget.empty:
            self.text(slide, self.tr("meeting.no_budget"), x, Inches(4.3), Inches(5.9), Inches(0.35), size=11)
            return
        rows = [
            [
                self.tr("meeting.source"),
                self.tr("meeting.planned"),
                self.tr("meeting.spent"),
                self.tr("meeting.absorption_col"),
            ]
        ]
        fills: dict[tuple[int, int], str] = {}
        for i, r in enumerate(b.budget.itertuples(), start=1):
            rows.append(
                [
                    self.label("enum.funding_source", r.funding_source),
                    self.money(r.planned),
                    self.money(r.spent),
                    self.pct100(r.absorption),
                ]
            )
            if not r.financed:  # DT §17.2: additional funding required, kept apart
                fills.update({(i, c): "FFF3E0" for c in range(4)})
        self.table(slide, rows, x, Inches(4.3), [2.6, 1.15, 1.15, 1.0], size=10, fills=fills, row_h=0.3)

    def decisions_block(self, slide: Any, b: Brief) -> None:
        x = Inches(7.05)
        self.text(
            slide,
            self.tr("meeting.decisions"),
            x,
            Inches(5.55),
            Inches(5.9),
            Inches(0.35),
            size=13,
            bold=True,
            color=NAVY,
        )
        if b.changes.empty:
            self.text(slide, self.tr("meeting.no_decisions"), x, Inches(5.9), Inches(5.9), Inches(0.35), size=11)
            return
        rows = [[self.tr("meeting.item"), self.tr("meeting.title_col"), self.tr("meeting.due")]]
        fills: dict[tuple[int, int], str] = {}
        for i, r in enumerate(b.changes.head(2).itertuples(), start=1):
            rows.append([r.change_id, _cut(r.description, 52), _day(r.due)])
            if r.overdue:
                fills[(i, 2)] = "FFCDD2"
        self.table(slide, rows, x, Inches(5.9), [1.0, 3.85, 1.05], size=10, fills=fills, row_h=0.3)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.prs.core_properties.title = f"{self.tr('meeting.title')} · {quarter_label(self.quarter_end)}"
        self.prs.core_properties.created = dt.datetime(2026, 1, 1)
        self.prs.core_properties.modified = dt.datetime(2026, 1, 1)
        self.prs.save(out)
        return out.getvalue()


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


#: a change's direction as a light fill behind its word (never colour alone)
DIGEST_FILL: Final = {"worse": "FFCDD2", "moved": "FFF3C4", "better": "C8E6C9"}


def build(
    pack: MeetingPack,
    agenda: pd.DataFrame,
    heatmap: pd.DataFrame,
    lang: str,
    *,
    minutes: int = 20,
    thresholds: tuple[float, float] = (15, 5),
    status: pd.DataFrame | None = None,
    data_batch: tuple[int, dt.datetime] | None = None,
    digest: Mapping[str, Any] | None = None,
) -> bytes:
    """The deck: title, summary, agenda, then one slide per team in the agenda's order.

    ``status`` is the picture's status frame at quarter end: the stage of each project without a
    RAG and the final result of a completed one come from it. ``data_batch`` (the batch the data
    stands at, with its import time) is named in every slide's footer."""
    deck = Deck(lang, pack.quarter_end, status, data_batch)
    deck.thresholds = thresholds
    deck.title_slide()
    deck.summary_slide(pack, heatmap)
    if digest is not None:
        deck.digest_slide(digest)
    deck.agenda_slides(agenda, minutes)
    for i, b in enumerate(pack.briefs, start=1):
        deck.project_slide(b, i, len(pack.briefs))
    return deck.to_bytes()
