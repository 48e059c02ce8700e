"""The quarterly meeting's protocol as a Word document (Reg §34): title, the meeting's date, the
teams that presented and the decisions taken, each with who does it, by when and its state.

Every text comes from the catalog in the chosen language; dates are dd.mm.yyyy; values from the
store go into the document as text runs (never interpreted)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Final

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from i18n import t
from metrics.decisions import Protocol

COLUMNS: Final = ("number", "project", "kind", "decision", "responsible", "due", "state")
# A4 landscape with 2 cm margins leaves 25.7 cm: the decision's text gets the most, the number
# the least, and a date or a state fits on one line
WIDTHS_CM: Final = (1.0, 5.0, 3.0, 7.7, 3.5, 2.5, 3.0)


def _repeat_on_every_page(row: object) -> None:
    """The table's header row printed again at the top of every page it runs onto."""
    props = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _keep_together(row: object) -> None:
    """A decision is never split across two pages."""
    split = OxmlElement("w:cantSplit")
    split.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(split)  # type: ignore[attr-defined]


def _date(value: object) -> str:
    """dd.mm.yyyy, or a dash for no date (a Timestamp is a date; NaT is none)."""
    return "—" if value is None or value is pd.NaT or not isinstance(value, dt.date) else f"{value:%d.%m.%Y}"


def _text(value: object) -> str:
    return "—" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _quarter(day: dt.date, lang: str) -> str:
    return t("meeting.quarter", lang, year=day.year, q=(day.month - 1) // 3 + 1)


def build(p: Protocol, lang: str) -> bytes:
    """The protocol as .docx bytes."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    doc.core_properties.title = t("protocol.title", lang)
    doc.core_properties.language = lang
    doc.add_paragraph(t("meeting.office", lang))
    doc.add_heading(t("protocol.title", lang), level=0)
    doc.add_paragraph(t("protocol.quarter", lang, quarter=_quarter(p.quarter_end, lang)))
    doc.add_paragraph(t("protocol.date", lang, date=_date(p.meeting_date)))

    doc.add_heading(t("protocol.teams", lang), level=1)
    if p.teams.empty:
        doc.add_paragraph(t("protocol.no_teams", lang))
    for row in p.teams.itertuples(index=False):
        doc.add_paragraph(f"{row.project_id} — {_text(row.name)}", style="List Number")

    doc.add_heading(t("protocol.decisions", lang), level=1)
    if p.decisions.empty:
        doc.add_paragraph(t("protocol.no_decisions", lang))
    else:
        table = doc.add_table(rows=1, cols=len(COLUMNS))
        table.style = "Table Grid"
        table.autofit = False
        _repeat_on_every_page(table.rows[0])
        for cell, key in zip(table.rows[0].cells, COLUMNS, strict=True):
            cell.text = t(f"protocol.{key}", lang)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for i, d in enumerate(p.decisions.itertuples(index=False), start=1):
            values = (
                str(i),
                f"{d.project_id} — {_text(d.project_name)}",
                t(f"enum.decision_kind.{d.kind}", lang),
                _text(d.text),
                _text(d.responsible),
                _date(d.due_date),
                t(f"protocol.states.{d.state}", lang),
            )
            for cell, value in zip(table.add_row().cells, values, strict=True):
                cell.text = value
        for column, width in zip(table.columns, WIDTHS_CM, strict=True):
            column.width = Cm(width)  # the grid (LibreOffice reads it); Word reads the cells'
        for row in table.rows:
            _keep_together(row)
            for cell, width in zip(row.cells, WIDTHS_CM, strict=True):
                cell.width = Cm(width)
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(10)
        doc.add_paragraph()
        doc.add_paragraph(t("protocol.status_as_of", lang, date=_date(p.status_as_of)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
