"""The quarterly meeting pack: the PowerPoint deck and the Excel workbook, opened with the real
libraries and checked against the metrics (demo portfolio, 2026-Q3, all three languages)."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path
from typing import cast

import duckdb
import openpyxl
import pytest
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.shapes.autoshape import Shape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.slide import Slide
from pptx.table import Table, _Cell
from pptx.util import Inches

from exports import deck, excel, quarterly
from i18n import LANGS, t
from loaders import store
from pmo.cli import main
from tests.builders import D, make_store, project

Q3 = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def quarter(demo_store: Path) -> quarterly.Quarter:
    con = store.connect(demo_store, read_only=True)
    q = quarterly.prepare(con, Q3, order="status")
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
    assert len(prs.slides) == 3 + n  # title, summary, agenda (one slide for ten teams), a slide per team
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    slides = list(prs.slides)
    assert t("meeting.title", lang) in texts(slides[0])
    assert texts(slides[1])[0] == t("meeting.summary", lang)
    assert texts(slides[2])[0] == t("meeting.agenda", lang)

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

    # agenda: the teams in order, red first, RAG cells coloured
    (agenda,) = tables(slides[2])
    for row, item in enumerate(quarter.agenda.itertuples(), start=1):
        assert agenda.cell(row, 1).text == item.start
        assert agenda.cell(row, 3).text.startswith(str(item.project_id))
        assert agenda.cell(row, 5).text == t(f"rag.{item.rag}", lang)
        assert fill_hex(agenda.cell(row, 5)) == deck.RAG_FILL[str(item.rag)]

    # one slide per team, same content as the brief
    for slide, brief in zip(slides[3:], quarter.pack.briefs, strict=True):
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
    assert t("rag.red", "ru") in texts(p06)
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
    assert wb.sheetnames == expected
    status = wb[t("meeting.pack_sheet_status", lang)]
    assert status.cell(1, 1).value == t("col.projects.project_id", lang)
    assert status.auto_filter.ref and status.freeze_panes == "A2"
    rows = {r[0]: r for r in status.iter_rows(min_row=2, values_only=True)}
    p06 = quarter.picture.status.set_index("project_id").loc["P06"]
    assert rows["P06"][5] == pytest.approx(p06["kpi_index"] * 100)
    assert rows["P06"][6] == t("rag.red", lang)
    overdue = wb[t("meeting.pack_sheet_overdue", lang)]
    assert overdue.max_row - 1 == len(quarter.picture.overdue)
    assert isinstance(overdue.cell(2, 6).value, dt.datetime)  # dates are dates
    agenda = wb[t("meeting.pack_sheet_agenda", lang)]
    assert agenda.cell(1, 1).value == t("meeting.agenda", lang)
    assert agenda.cell(3, 4).value == t("col.projects.project_id", lang)  # title, a blank row, the header
    assert agenda.cell(4, 4).value == quarter.agenda.iloc[0]["project_id"]


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
    assert len(Presentation(str(tmp_path / "pack.pptx")).slides) == 13
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
    assert len(prs.slides) == 3  # title, summary, an empty agenda
