"""The quarterly meeting pack in one call: the PowerPoint deck and the Excel workbook for the
minutes, as the portfolio stood at quarter end (Reg §34)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from i18n import has, t
from metrics import settings as settings_mod
from metrics.agenda import Order, agenda, quarter_teams
from metrics.common import Filters
from metrics.meeting import MeetingPack, meeting_pack
from metrics.report import Picture, picture

from . import deck, excel


@dataclass(frozen=True)
class Quarter:
    """Everything the meeting needs for one quarter."""

    quarter_end: dt.date
    picture: Picture
    agenda: pd.DataFrame
    pack: MeetingPack
    minutes: int
    thresholds: tuple[float, float]


def prepare(
    con: duckdb.DuckDBPyConnection,
    quarter_end: dt.date,
    *,
    filters: Filters | None = None,
    order: Order = "program",
    project_ids: Sequence[str] | None = None,
    start: dt.time = dt.time(10, 0),
) -> Quarter:
    settings = settings_mod.load(con)
    pic = picture(con, quarter_end, filters, settings)
    minutes = settings.int("agenda_minutes_per_team")
    plan = agenda(
        quarter_teams(pic.status, quarter_end), start=start, minutes=minutes, order=order, project_ids=project_ids
    )
    pack = meeting_pack(con, quarter_end, list(plan["project_id"]), filters, settings)
    thresholds = (settings.risk_high_min_score, settings.risk_medium_min_score)
    return Quarter(quarter_end, pic, plan, pack, minutes, thresholds)


def pptx(q: Quarter, lang: str) -> bytes:
    """The deck: title, portfolio summary, agenda, one slide per team."""
    return deck.build(q.pack, q.agenda, q.picture.heatmap, lang, minutes=q.minutes, thresholds=q.thresholds)


def _labels(series: pd.Series, prefix: str, lang: str) -> pd.Series:
    def one(v: object) -> object:
        key = f"{prefix}.{v}"
        return t(key, lang) if v is not None and not (isinstance(v, float) and pd.isna(v)) and has(key) else v

    return series.map(one)


def xlsx(q: Quarter, lang: str) -> bytes:
    """The Excel pack for the minutes: a formatted, filterable sheet per metric."""
    pic = q.picture

    def tr(key: str) -> str:
        return t(key, lang)

    status = pic.status.assign(
        status=_labels(pic.status["status"], "enum.project_status", lang),
        rag=_labels(pic.status["rag"], "rag", lang),
        rag_override=_labels(pic.status["rag_override"], "rag", lang),
        rag_effective=_labels(pic.status["rag_effective"], "rag", lang),
        reasons=pic.status["rag_reasons"].map(
            lambda codes: "; ".join(_reason(c, lang) for c in codes) if isinstance(codes, list) else ""
        ),
        kpi_index=pic.status["kpi_index"] * 100,
    )
    kpi = pic.indicators.assign(
        status=_labels(pic.indicators["status"], "indicator_status", lang),
        achievement=pic.indicators["achievement"] * 100,
        expected=pic.indicators["expected"] * 100,
    )
    risks = pic.risks.assign(
        priority=_labels(pic.risks["priority"], "enum.priority", lang),
        status=_labels(pic.risks["status"].fillna("open"), "enum.risk_status", lang),
        flags=pic.risks["flags"].map(lambda fs: ", ".join(t(f"risk_flag.{f}", lang) for f in fs)),
    )
    load = pic.meeting_load.assign(norm=_labels(pic.meeting_load["norm"], "norm", lang))
    overdue = pic.overdue.assign(kind=_labels(pic.overdue["kind"], "overdue_kind", lang))
    budget = pic.budget.assign(funding_source=_labels(pic.budget["funding_source"], "enum.funding_source", lang))
    agenda_sheet = q.agenda.assign(rag=_labels(q.agenda["rag"], "rag", lang))
    rag_fill = {t(f"rag.{r}", lang): f"#{deck.RAG_FILL[r]}" for r in deck.RAG_FILL}
    sheets = [
        excel.Sheet(
            tr("meeting.pack_sheet_agenda"),
            agenda_sheet,
            {
                "position": tr("meeting.position"),
                "start": tr("meeting.start"),
                "end": tr("meeting.end"),
                "project_id": tr("col.projects.project_id"),
                "name": tr("col.projects.name"),
                "program": tr("meeting.program"),
                "rag": tr("meeting.status"),
            },
            title=tr("meeting.agenda"),
            fills={"rag": rag_fill},
        ),
        excel.Sheet(
            tr("meeting.pack_sheet_status"),
            status,
            {
                "project_id": tr("col.projects.project_id"),
                "name": tr("col.projects.name"),
                "program": tr("col.projects.program"),
                "status": tr("col.projects.status"),
                "end_date": tr("col.projects.end_date"),
                "kpi_index": tr("meeting.kpi_index"),
                "rag_effective": tr("meeting.status"),
                "rag": tr("meeting.computed"),
                "rag_override": tr("meeting.override"),
                "override_comment": tr("col.indicator_values.comment"),
                "reasons": tr("meeting.reasons"),
            },
            percent=["kpi_index"],
            fills={"rag_effective": rag_fill},
        ),
        excel.Sheet(
            tr("meeting.pack_sheet_kpi"),
            kpi,
            {
                "indicator_id": tr("col.indicators.indicator_id"),
                "project_id": tr("col.projects.project_id"),
                "name": tr("col.indicators.name"),
                "unit": tr("col.indicators.unit"),
                "baseline": tr("col.indicators.baseline"),
                "target": tr("col.indicators.target"),
                "deadline": tr("col.indicators.deadline"),
                "latest_period": tr("meeting.period"),
                "latest_actual": tr("meeting.latest"),
                "achievement": tr("meeting.achievement"),
                "expected": tr("meeting.expected"),
                "status": tr("meeting.status"),
            },
            percent=["achievement", "expected"],
        ),
        excel.Sheet(
            tr("meeting.pack_sheet_risks"),
            risks,
            {
                "risk_id": tr("col.risks.risk_id"),
                "project_id": tr("col.projects.project_id"),
                "title": tr("col.risks.title"),
                "probability": tr("meeting.probability"),
                "impact": tr("meeting.impact"),
                "score": tr("meeting.score"),
                "priority": tr("meeting.priority"),
                "status": tr("col.risks.status"),
                "responsible": tr("meeting.responsible"),
                "last_reassessed": tr("col.risks.last_reviewed_on"),
                "flags": tr("meeting.flags"),
            },
        ),
        excel.Sheet(
            tr("meeting.pack_sheet_load"),
            load,
            {
                "person": tr("meeting.person"),
                "project_id": tr("col.projects.project_id"),
                "week": tr("meeting.week"),
                "project_hours": tr("meeting.project_hours"),
                "meeting_hours": tr("meeting.meeting_hours"),
                "load_pct": tr("meeting.load_pct"),
                "norm": tr("meeting.norm"),
                "required": tr("meeting.required"),
                "attended": tr("meeting.attended"),
                "compliance_pct": tr("meeting.compliance"),
            },
            percent=["load_pct", "compliance_pct"],
        ),
        excel.Sheet(
            tr("meeting.pack_sheet_overdue"),
            overdue,
            {
                "kind": tr("meeting.kind"),
                "item_id": tr("meeting.item"),
                "project_id": tr("col.projects.project_id"),
                "title": tr("meeting.title_col"),
                "responsible": tr("meeting.responsible"),
                "due": tr("meeting.due"),
                "days_overdue": tr("meeting.days"),
                "working_days_overdue": tr("meeting.working_days"),
            },
        ),
        excel.Sheet(
            tr("meeting.pack_sheet_budget"),
            budget,
            {
                "project_id": tr("col.projects.project_id"),
                "year": tr("meeting.year"),
                "funding_source": tr("meeting.source"),
                "planned": tr("meeting.planned"),
                "spent": tr("meeting.spent"),
                "absorption": tr("meeting.absorption_col"),
            },
            percent=["absorption"],
        ),
    ]
    return excel.workbook(sheets)


def _reason(code: str, lang: str) -> str:
    name, _, item = code.partition(":")
    key = f"rag_reason.{name}"
    text = t(key, lang) if has(key) else name
    return f"{text} ({item})" if item else text
