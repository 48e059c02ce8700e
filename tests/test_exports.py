"""The quarterly meeting pack: the PowerPoint deck and the Excel workbook, opened with the real
libraries and checked against the metrics (demo portfolio, 2026-Q3, all three languages)."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any, cast

import duckdb
import openpyxl
import pandas as pd
import pytest
from docx import Document
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.presentation import Presentation as PresentationType
from pptx.shapes.autoshape import Shape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.slide import Slide
from pptx.table import Table, _Cell
from pptx.util import Inches

from exports import deck, excel, palette, quarterly
from i18n import LANGS, keys, t
from i18n.numbers import NBSP
from loaders import store
from pmo.cli import main
from tests.builders import D, make_store, project

Q3 = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def quarter(demo_store: Path) -> quarterly.Quarter:
    con = store.connect(demo_store, read_only=True)
    q = quarterly.prepare(con, Q3, order="status")
    q.since_last_review()  # computed while the store is open
    con.close()
    return q


# only a Shape (autoshape, text box, placeholder) has a text frame, only a GraphicFrame a table or a chart
def texts(slide: Slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if isinstance(s, Shape) and s.has_text_frame]


def tables(slide: Slide) -> list[Table]:
    return [s.table for s in slide.shapes if isinstance(s, GraphicFrame) and s.has_table]


def charts(slide: Slide) -> list[Chart]:
    return [s.chart for s in slide.shapes if isinstance(s, GraphicFrame) and s.has_chart]


def fill_hex(cell: _Cell) -> str | None:
    try:
        return str(cell.fill.fore_color.rgb)
    except (AttributeError, TypeError):
        return None


@pytest.mark.parametrize("lang", LANGS)
def test_deck_structure_and_content(quarter: quarterly.Quarter, lang: str) -> None:
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, lang)))
    n = len(quarter.pack.briefs)
    assert n == len(quarter.agenda) == 10
    assert len(prs.slides) == 4 + n  # title, summary, since the last review, agenda (one for ten teams), teams
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    slides = list(prs.slides)
    assert t("meeting.title", lang) in texts(slides[0])
    assert texts(slides[1])[0] == t("meeting.summary", lang)
    assert texts(slides[3])[0] == t("meeting.agenda", lang)

    # summary: the RAG chart is a native chart whose data are the metric's counts
    (rag_chart,) = charts(slides[1])
    assert list(rag_chart.plots[0].series[0].values) == [
        quarter.pack.summary["rag"][r] for r in ("red", "amber", "green")
    ]
    # the heatmap is a table: counts of open risks, zone colours
    (heat,) = tables(slides[1])
    grid = quarter.picture.heatmap
    for row, p in enumerate(range(5, 0, -1), start=1):
        for col, i in enumerate(range(1, 6), start=1):
            count = int(cast(int, grid.loc[p, i]))  # a count of risks
            assert heat.cell(row, col).text == (str(count) if count else "")
            zone = "high" if p * i >= 15 else "medium" if p * i >= 5 else "low"
            assert fill_hex(heat.cell(row, col)) == deck.ZONE_FILL[zone]

    # agenda: the teams in order, red first, RAG cells coloured; a team without a RAG (not in
    # planning or execution on the quarter end) shows its stage
    (agenda,) = tables(slides[3])
    stage = dict(zip(quarter.picture.status["project_id"], quarter.picture.status["lifecycle"], strict=True))
    for row, item in enumerate(quarter.agenda.itertuples(), start=1):
        assert agenda.cell(row, 1).text == item.start
        assert agenda.cell(row, 3).text.startswith(str(item.project_id))
        if item.rag is None:
            lifecycle = str(stage[str(item.project_id)])
            assert lifecycle not in ("planning", "execution")
            assert agenda.cell(row, 5).text == t(f"enum.project_status.{lifecycle}", lang)
            assert fill_hex(agenda.cell(row, 5)) == deck.STAGE_FILL.get(lifecycle, deck.NO_RAG_FILL)
        else:
            assert agenda.cell(row, 5).text == f"{palette.SHAPES[str(item.rag)]} {t(f'rag.{item.rag!s}', lang)}"
            assert fill_hex(agenda.cell(row, 5)) == deck.RAG_FILL[str(item.rag)]
    assert quarter.agenda["rag"].isna().any()  # the demo has such teams (P08 in initiation, P13 suspended)

    # one slide per team, same content as the brief
    for slide, brief in zip(slides[4:], quarter.pack.briefs, strict=True):
        assert texts(slide)[0].startswith(brief.project_id)
        kpi_charts = charts(slide)
        if brief.indicators.empty:
            continue
        (kpi,) = kpi_charts
        achievement = list(kpi.plots[0].series[0].values)
        for got, want in zip(achievement, brief.indicators["achievement"].head(8), strict=True):
            assert (got is None and math.isnan(want)) or got == pytest.approx(want)
        categories = list(kpi.plots[0].categories)
        assert [c.split(" · ")[0] for c in categories] == list(brief.indicators["indicator_id"].head(8))


def test_project_slide_tables(quarter: quarterly.Quarter) -> None:
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, "ru")))
    p06 = next(s for s in prs.slides if texts(s)[0].startswith("P06"))
    brief = next(b for b in quarter.pack.briefs if b.project_id == "P06")
    assert f"■ {t('rag.red', 'ru')}" in texts(p06)  # a shape and a word, not colour alone
    risk_table = next(tb for tb in tables(p06) if tb.cell(0, 3).text == t("meeting.priority", "ru"))
    for row, r in enumerate(brief.risks.itertuples(), start=1):
        assert risk_table.cell(row, 0).text == r.risk_id
        assert risk_table.cell(row, 2).text == f"{r.probability}×{r.impact} = {r.score}"
        assert risk_table.cell(row, 3).text == t(f"enum.priority.{r.priority}", "ru")
        assert fill_hex(risk_table.cell(row, 3)) == deck.ZONE_FILL[str(r.priority)]
    budget = next(tb for tb in tables(p06) if tb.cell(0, 0).text == t("meeting.source", "ru"))
    sources = [budget.cell(i, 0).text for i in range(1, len(budget.rows))]
    assert t("enum.funding_source.additional_funding_required", "ru") in sources  # kept apart, DT §17.2
    decisions = next(tb for tb in tables(p06) if tb.cell(0, 2).text == t("meeting.due", "ru") and len(tb.columns) == 3)
    assert decisions.cell(1, 0).text == "CR-007"
    assert fill_hex(decisions.cell(1, 2)) == "FFCDD2"  # its decision is overdue


def test_a_team_slide_says_what_was_decided_last_time(quarter: quarterly.Quarter) -> None:
    """P03 was asked at the 09.07.2026 meeting to remove a discrepancy by 11.09 (Q2-02, not done):
    its Q3 slide says so; a team the last meeting took nothing on says nothing."""
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, "ru")))
    slide = {texts(s)[0][:3]: texts(s) for s in prs.slides if texts(s)[0][:1] == "P"}
    said = t("decisions.last_time", "ru", total=1, done=0, overdue=1)
    assert any(said in x for x in slide["P03"])
    assert not any(t("decisions.last_time", "ru").split(":")[0] in x for x in slide["P02"])


def test_every_run_uses_a_font_with_kazakh_letters(quarter: quarterly.Quarter) -> None:
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, "kk")))
    fonts, text = set(), []
    for slide in prs.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            for frame in frames:
                for para in frame.paragraphs:
                    for run in para.runs:
                        fonts.add(run.font.name)
                        text.append(run.text)
    assert fonts == {deck.FONT}
    assert set("әғқңөұүі") <= set("".join(text).lower())


def test_no_data_indicator_is_labelled_not_drawn_as_zero(quarter: quarterly.Quarter) -> None:
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, "en")))
    p08 = next(s for s in prs.slides if texts(s)[0].startswith("P08"))
    (kpi,) = charts(p08)
    assert list(kpi.plots[0].categories) == ["P08-TI1 · No data"]
    assert list(kpi.plots[0].series[0].values) == [None]


@pytest.mark.parametrize("lang", LANGS)
def test_excel_pack(quarter: quarterly.Quarter, lang: str) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(quarterly.xlsx(quarter, lang)))
    expected = [
        t(f"meeting.pack_sheet_{k}", lang) for k in ("agenda", "status", "kpi", "risks", "load", "overdue", "budget")
    ]
    assert wb.sheetnames == [*expected, t("digest.title", lang)[:31]]
    status = wb[t("meeting.pack_sheet_status", lang)]
    assert status.cell(1, 1).value == t("col.projects.project_id", lang)
    assert status.auto_filter.ref and status.freeze_panes == "A2"
    rows = {r[0]: r for r in status.iter_rows(min_row=2, values_only=True)}
    p06 = quarter.picture.status.set_index("project_id").loc["P06"]
    assert rows["P06"][5] == pytest.approx(p06["kpi_index"], abs=0.0005)  # a share, shown as a percentage
    assert rows["P06"][6] == t("rag.red", lang)
    overdue = wb[t("meeting.pack_sheet_overdue", lang)]
    assert overdue.max_row - 1 == len(quarter.picture.overdue)
    assert isinstance(overdue.cell(2, 6).value, dt.datetime)  # dates are dates
    agenda = wb[t("meeting.pack_sheet_agenda", lang)]
    assert agenda.cell(1, 1).value == t("meeting.agenda", lang)
    assert agenda.cell(3, 4).value == t("col.projects.project_id", lang)  # title, a blank row, the header
    assert agenda.cell(4, 4).value == quarter.agenda.iloc[0]["project_id"]


@pytest.mark.parametrize("lang", LANGS)
def test_since_the_last_review_in_the_deck_and_the_pack(quarter: quarterly.Quarter, lang: str) -> None:
    """The deck's third slide lists the changes since 30.06.2026, worst first, each direction in
    words; the pack's last sheet has every change, the same words."""
    since = quarter.since_last_review()
    assert since is not None
    changes = since["changes"]
    assert len(changes) > 14 and changes[0]["direction"] == "worse"
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, lang)))
    slide = prs.slides[2]
    assert texts(slide)[0] == t("digest.span", lang, start="30.06.2026", end="30.09.2026")
    (table,) = tables(slide)
    assert len(table.rows) == 1 + 14
    assert table.cell(1, 1).text == t("digest.direction.worse", lang)
    assert fill_hex(table.cell(1, 1)) == deck.DIGEST_FILL["worse"]
    assert any(t("digest.more", lang, count=len(changes) - 14).split(" ")[0] in x for x in texts(slide))
    wb = openpyxl.load_workbook(io.BytesIO(quarterly.xlsx(quarter, lang)))
    sheet = wb[t("digest.title", lang)[:31]]
    cells = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    header = cells.index(next(r for r in cells if r[0] == t("digest.col.project", lang)))
    body = cells[header + 1 :]
    assert len(body) == len(changes)
    assert [r[1] for r in body] == [t(f"digest.direction.{c['direction']}", lang) for c in changes]


def test_formula_like_text_is_neutralised(tmp_path: Path) -> None:
    con: duckdb.DuckDBPyConnection = make_store(
        tmp_path / "f.duckdb",
        {
            "projects": [
                project("P1", name='=HYPERLINK("http://x","click")', program="@evil"),
                project("P2", name="+1+1", program="-2"),
            ],
        },
    )
    q = quarterly.prepare(con, Q3)
    wb = openpyxl.load_workbook(io.BytesIO(quarterly.xlsx(q, "en")))
    ws = wb[t("meeting.pack_sheet_status", "en")]
    names = {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(2, ws.max_row + 1)}
    assert names["P1"] == ('\'=HYPERLINK("http://x","click")', "'@evil")
    assert names["P2"] == ("'+1+1", "'-2")
    assert all(ws.cell(r, c).data_type != "f" for r in range(1, ws.max_row + 1) for c in range(1, ws.max_column + 1))
    assert excel.neutralise("plain") == "plain"


def test_cli_export(demo_store: Path, tmp_path: Path) -> None:
    for fmt in ("pptx", "xlsx"):
        out = tmp_path / f"pack.{fmt}"
        assert (
            main(
                ["export", fmt, str(out), "--db", str(demo_store), "--quarter", "2026-Q3", "--lang", "ru"],
                out=io.StringIO(),
            )
            == 0
        )
        assert out.stat().st_size > 10_000
    assert len(Presentation(str(tmp_path / "pack.pptx")).slides) == 14
    with pytest.raises(SystemExit) as exit_:
        main(
            ["export", "pptx", str(tmp_path / "x.pptx"), "--db", str(demo_store), "--quarter", "2026-Q5"],
            out=io.StringIO(),
        )
    assert exit_.value.code == 2


def test_deck_of_a_quarter_without_projects(tmp_path: Path) -> None:
    con = make_store(
        tmp_path / "e.duckdb", {"projects": [project("P1", start_date=D(2027, 1, 1), end_date=D(2027, 12, 31))]}
    )
    q = quarterly.prepare(con, Q3)
    prs = Presentation(io.BytesIO(quarterly.pptx(q, "kk")))
    assert len(prs.slides) == 4  # title, summary, nothing changed, an empty agenda


# --------------------------------------------------------------------------------------------
# Numbers in the language's style; a RAG only where one applies

Q2 = dt.date(2026, 6, 30)
DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")  # 30.09.2026: a date, not a decimal number
DECIMAL_POINT = re.compile(r"\d\.\d")
DECIMAL_COMMA = re.compile(r"\d,\d")
REASON_KEY = re.compile(r"\b(?:" + "|".join(k.removeprefix("rag_reason.") for k in keys("rag_reason.")) + r")\b")
ENGLISH_RAG = re.compile(r"\b(?:red|amber|green)\b", re.IGNORECASE)
ABSORPTION = {"kk": "75,5%", "ru": "75,5%", "en": "75.5%"}  # the demo's financed budget at 2026-Q3: 75.504443 %


@pytest.fixture(scope="module")
def quarter2(demo_store: Path) -> quarterly.Quarter:
    """2026-Q2: P10 completes on 19.06.2026, so it reports on this quarter without a RAG."""
    con = store.connect(demo_store, read_only=True)
    q = quarterly.prepare(con, Q2, order="status")
    q.since_last_review()  # computed while the store is open
    con.close()
    return q


def deck_texts(prs: PresentationType) -> list[str]:
    """Every text of a deck: text boxes, table cells, and the charts' titles, categories and series."""
    out: list[str] = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if isinstance(shape, Shape) and shape.has_text_frame:
                out.append(shape.text_frame.text)
            if isinstance(shape, GraphicFrame) and shape.has_table:
                out += [c.text for row in shape.table.rows for c in row.cells]
            if isinstance(shape, GraphicFrame) and shape.has_chart:
                chart = shape.chart
                if chart.has_title:
                    out.append(chart.chart_title.text_frame.text)
                out += [str(c) for c in chart.plots[0].categories]
                out += [str(s.name) for s in chart.plots[0].series]
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_deck_writes_every_number_in_the_style_of_its_language(
    quarter: quarterly.Quarter, quarter2: quarterly.Quarter, lang: str
) -> None:
    for q in (quarter, quarter2):
        text = "\n".join(deck_texts(Presentation(io.BytesIO(quarterly.pptx(q, lang)))))
        numbers_only = DATE.sub("", text)
        if lang == "en":
            assert not DECIMAL_COMMA.search(numbers_only), DECIMAL_COMMA.findall(numbers_only)
        else:
            assert not DECIMAL_POINT.search(numbers_only), re.findall(r".{20}\d\.\d.{10}", numbers_only)
            assert not ENGLISH_RAG.search(text), ENGLISH_RAG.findall(text)
        assert not REASON_KEY.search(text), REASON_KEY.findall(text)  # reasons in words
        assert not re.search(r"\d\s%", text)  # no space before the percent sign
        assert " 000" not in text  # thousands apart by a no-break space, never a plain one
    summary = texts(Presentation(io.BytesIO(quarterly.pptx(quarter, lang))).slides[1])
    assert ABSORPTION[lang] in summary
    assert f"840{NBSP}000" in summary  # additional funding required, thousands of tenge


@pytest.mark.parametrize("lang", LANGS)
def test_a_completed_project_shows_its_stage_and_final_result_not_a_rag(quarter2: quarterly.Quarter, lang: str) -> None:
    status = quarter2.picture.status.set_index("project_id")
    p10: dict[str, Any] = {str(k): v for k, v in status.loc["P10"].items()}
    assert p10["lifecycle"] == "completed" and p10["rag_effective"] is None
    assert "P10" in set(quarter2.agenda["project_id"])  # it reports on the quarter it completed in
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter2, lang)))
    slide = next(s for s in prs.slides if texts(s)[0].startswith("P10"))
    shown = texts(slide)
    assert t("enum.project_status.completed", lang) in shown
    assert not {t(f"rag.{r}", lang) for r in ("red", "amber", "green")} & set(shown)
    result = t(
        "meeting.final_result",
        lang,
        achieved=int(p10["indicators_achieved"]),
        total=int(p10["indicators"]),
        missed=int(p10["indicators_missed"]),
    )
    assert result in shown
    assert {"kk": "2 индикатордың 1 орындалды", "ru": "достигнуто — 1 из 2", "en": "1 of 2 indicators"}[lang] in result
    # the agenda says the same
    (agenda,) = tables(list(prs.slides)[3])
    row = next(i for i in range(1, len(agenda.rows)) if agenda.cell(i, 3).text.startswith("P10"))
    assert agenda.cell(row, 5).text == t("enum.project_status.completed", lang)
    # the RAG counts are those of the projects in planning or execution only
    (rag_chart,) = charts(list(prs.slides)[1])
    counts = list(rag_chart.plots[0].series[0].values)
    assert counts == [quarter2.pack.summary["rag"][r] for r in ("red", "amber", "green")]
    assert sum(counts) == int(status["live"].sum()) < len(status)


def test_deck_charts_carry_number_formats(quarter: quarterly.Quarter) -> None:
    """The charts' numbers are Excel number formats, shown in the viewer's regional format."""
    prs = Presentation(io.BytesIO(quarterly.pptx(quarter, "kk")))
    (rag_chart,) = charts(list(prs.slides)[1])
    assert rag_chart.plots[0].data_labels.number_format == deck.COUNT_FORMAT
    assert not rag_chart.plots[0].data_labels.number_format_is_linked
    kpi = next(c for s in list(prs.slides)[4:] for c in charts(s))
    assert kpi.value_axis.tick_labels.number_format == deck.SHARE_FORMAT


NUMBER_AS_TEXT = re.compile(r"[-+]?\d[\d \u00a0]*(?:[.,]\d+)?\s?%?")


@pytest.mark.parametrize("lang", LANGS)
def test_excel_pack_numbers_are_numeric_cells_with_number_formats(quarter: quarterly.Quarter, lang: str) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(quarterly.xlsx(quarter, lang)))
    # the digest's sheet tells each change in words ("75,5% → 70%", "980 000 → 1 000 000"): text
    for ws in [w for w in wb.worksheets if w.title != t("digest.title", lang)[:31]]:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not NUMBER_AS_TEXT.fullmatch(cell.value), (ws.title, cell.coordinate, cell.value)
    pic = quarter.picture
    # percentages: shares with a percent format, rounded to what is shown
    status = wb[t("meeting.pack_sheet_status", lang)]
    kpi_col = 6
    assert status.cell(1, kpi_col).value == t("meeting.kpi_index", lang)
    p01 = next(r for r in range(2, status.max_row + 1) if status.cell(r, 1).value == "P01")
    assert status.cell(p01, kpi_col).value == 0.919  # 0.918831
    assert status.cell(p01, kpi_col).number_format == "0.0%"
    budget = wb[t("meeting.pack_sheet_budget", lang)]
    heads = [c.value for c in budget[1]]
    absorption = heads.index(t("meeting.absorption_col", lang)) + 1
    planned = heads.index(t("meeting.planned", lang)) + 1
    for r, value in enumerate(pic.budget["absorption"].astype(float), start=2):
        cell = budget.cell(r, absorption)
        if math.isnan(value):
            assert cell.value is None
        else:
            assert cell.value == round(value / 100, 3)
            assert cell.number_format == "0.0%"
        assert budget.cell(r, planned).number_format == "#,##0"
        assert isinstance(budget.cell(r, planned).value, int | float)
    p09 = next(
        r
        for r in range(2, budget.max_row + 1)
        if (budget.cell(r, 1).value, budget.cell(r, 2).value, budget.cell(r, planned).value) == ("P09", 2026, 980000)
    )
    assert budget.cell(p09, absorption).value == 0.616  # 61.632653 %, shown 61.6 %
    # whole days, grouped
    overdue = wb[t("meeting.pack_sheet_overdue", lang)]
    assert overdue.cell(2, 7).number_format == "#,##0" and isinstance(overdue.cell(2, 7).value, int)


@pytest.mark.parametrize("lang", LANGS)
def test_excel_pack_shows_the_stage_where_no_rag_applies(quarter2: quarterly.Quarter, lang: str) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(quarterly.xlsx(quarter2, lang)))
    agenda = wb[t("meeting.pack_sheet_agenda", lang)]
    shown = {agenda.cell(r, 4).value: agenda.cell(r, 7).value for r in range(4, agenda.max_row + 1)}
    assert shown["P10"] == t("enum.project_status.completed", lang)
    status = wb[t("meeting.pack_sheet_status", lang)]
    heads = [c.value for c in status[1]]
    p10 = next(r for r in status.iter_rows(min_row=2, values_only=True) if r[0] == "P10")
    assert p10[heads.index(t("col.projects.status", lang))] == t("enum.project_status.completed", lang)
    assert p10[heads.index(t("meeting.indicators_total", lang))] == 2
    assert p10[heads.index(t("meeting.indicators_achieved", lang))] == 1
    assert p10[heads.index(t("meeting.status", lang), 4)] is None  # no RAG


def test_table_download_writes_percentages_as_shares_and_numbers_as_numbers() -> None:
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "plain"],
            "pct": pd.array([75.5, None], dtype="Float64"),  # 0–100, as the pages show it
            "share": [0.616327, 1.0],
            "money": [1234567.0, 12.5],
            "year": [2026, 2027],
        }
    )
    book = excel.workbook(
        [
            excel.Sheet(
                "T",
                frame,
                {c: c for c in frame.columns},
                percent=["pct"],
                fraction=["share"],
                formats={"money": "#,##0"},
            )
        ]
    )
    ws = openpyxl.load_workbook(io.BytesIO(book)).active
    assert ws is not None
    assert [ws.cell(2, c).value for c in range(1, 6)] == ["'=1+1", 0.755, 0.616, 1234567, 2026]
    assert [ws.cell(2, c).number_format for c in range(2, 6)] == ["0.0%", "0.0%", "#,##0", "0"]
    assert ws.cell(3, 2).value is None  # a missing value stays empty, never 0 or "<NA>"
    assert ws.cell(3, 4).value == 12.5


# --------------------------------------------------------------------------------------------
# The quarterly meeting's decisions (Reg §34): in the deck and the pack as overdue items, and the
# protocol as a Word document


def test_an_overdue_decision_is_labelled_in_the_deck_and_the_pack(quarter: quarterly.Quarter) -> None:
    overdue = quarter.picture.overdue
    assert overdue.loc[overdue["kind"].eq("decision"), "item_id"].tolist() == ["Q2-02"]
    for lang in ("kk", "ru"):
        label = t("overdue_kind.decision", lang)
        prs = Presentation(io.BytesIO(quarterly.pptx(quarter, lang)))
        p03 = [s for s in prs.slides if any(x.startswith("P03") or "P03" in x for x in texts(s))]
        cells = [c.text for s in p03 for tb in tables(s) for row in tb.rows for c in row.cells]
        assert label in cells, lang
        wb = openpyxl.load_workbook(io.BytesIO(quarterly.xlsx(quarter, lang)))
        sheet = wb[t("meeting.pack_sheet_overdue", lang)]
        assert label in {c.value for c in sheet["A"]}, lang


def _protocol(demo_store: Path, tmp_path: Path, lang: str, quarter: str = "2026-Q2") -> Any:
    out = tmp_path / f"protocol-{lang}-{quarter}.docx"
    args = ["export", "protocol", str(out), "--db", str(demo_store), "--quarter", quarter, "--lang", lang]
    assert main(args, out=io.StringIO()) == 0
    return Document(str(out))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_protocol_holds_the_quarters_decisions(demo_store: Path, tmp_path: Path, lang: str) -> None:
    """The meeting that reviews Q2 is held after it (09.07.2026): the protocol of 2026-Q2 is that
    meeting's, as the deck and Excel pack of 2026-Q2 are made for it."""
    con = store.connect(demo_store, read_only=True)
    want = con.execute(
        "SELECT decision_id, due_date FROM decisions WHERE meeting_date BETWEEN DATE '2026-07-01' AND DATE "
        "'2026-09-30' ORDER BY meeting_date, project_id, decision_id"
    ).fetchall()
    con.close()
    assert len(want) == 5
    doc = _protocol(demo_store, tmp_path, lang)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert t("protocol.title", lang) in text
    assert t("protocol.date", lang, date="09.07.2026") in text  # the latest meeting date of the quarter
    assert t("protocol.teams", lang) in text
    assert t("meeting.quarter", lang, year=2026, q=2) in text
    assert t("protocol.status_as_of", lang, date="30.09.2026") in text  # the next quarter's end (past)
    (table,) = doc.tables
    header = [c.text for c in table.rows[0].cells]
    keys = ("number", "project", "kind", "decision", "responsible", "due", "state")
    assert header == [t(f"protocol.{k}", lang) for k in keys]
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(body) == len(want)
    assert [r[5] for r in body] == [f"{due:%d.%m.%Y}" for _, due in want]  # dd.mm.yyyy
    states = {r[1].split(" — ")[0]: r[6] for r in body}
    assert states["P03"] == t("protocol.states.overdue", lang)  # Q2-02, due 11.09.2026, not done
    assert states["P01"] == t("protocol.states.done", lang)
    assert states["P07"] == t("protocol.states.open", lang)  # due on 30.09.2026, the day states are told
    assert body[1][2] == t("enum.decision_kind.discrepancy", lang)
    assert body[1][4] == "Бауыржан Серікбаев"  # no responsible: the project manager
    # every project a decision was taken on is among the teams that presented
    teams = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "List Number"]
    assert {r[1] for r in body} <= set(teams)


def test_protocol_header_words_differ_by_language(demo_store: Path, tmp_path: Path) -> None:
    kk = [c.text for c in _protocol(demo_store, tmp_path, "kk").tables[0].rows[0].cells]
    ru = [c.text for c in _protocol(demo_store, tmp_path, "ru").tables[0].rows[0].cells]
    assert kk[1:] == ["Жоба", "Шешім түрі", "Шешім", "Жауапты", "Орындау мерзімі", "Жай-күйі"]
    assert ru[1:] == ["Проект", "Вид решения", "Решение", "Ответственный", "Срок исполнения", "Статус"]


def test_protocol_of_a_quarter_without_decisions_is_dated_its_last_day(demo_store: Path, tmp_path: Path) -> None:
    """The meeting reviewing Q3 has not recorded decisions yet (the demo is at 30.09.2026)."""
    doc = _protocol(demo_store, tmp_path, "ru", "2026-Q3")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert t("protocol.date", "ru", date="30.09.2026") in text
    assert t("protocol.no_decisions", "ru") in text
    assert doc.tables == []
    con = store.connect(demo_store, read_only=True)
    (row,) = con.execute(
        "SELECT target, detail FROM audit WHERE action = 'export' ORDER BY seq DESC LIMIT 1"
    ).fetchall()
    con.close()
    assert row[0] == "protocol" and "2026-09-30" in row[1]
