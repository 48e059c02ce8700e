"""The quarterly meeting pack in one call: the PowerPoint deck and the Excel workbook for the
minutes, as the portfolio stood at quarter end (Reg §34). Both name the batch the data stands at
(``pmo export --batch N`` rebuilds them from it).

In the workbook every number is a numeric cell with an Excel number format (percentages as shares
with a percent format, money in thousands of tenge grouped, days whole), so Excel shows it in the
reader's own regional format; the deck writes numbers as text through ``i18n.numbers``."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import duckdb
import pandas as pd

from i18n import has, t
from loaders import store
from metrics import settings as settings_mod
from metrics.agenda import Order, agenda, quarter_teams
from metrics.common import Filters, previous_quarter_end
from metrics.digest import digest, to_json
from metrics.meeting import MeetingPack, meeting_pack
from metrics.report import Picture, picture
from metrics.settings import Settings

from . import deck, excel
from .digest_text import change_row, span_text


@dataclass(frozen=True)
class Quarter:
    """Everything the meeting needs for one quarter."""

    quarter_end: dt.date
    picture: Picture
    agenda: pd.DataFrame
    pack: MeetingPack
    minutes: int
    thresholds: tuple[float, float]
    data_batch: tuple[int, dt.datetime] | None = None  # the batch the data stands at, its import time
    #: where ``since_last_review`` computes from: the connection and filters of ``prepare``
    source: tuple[duckdb.DuckDBPyConnection, Filters | None, Settings] | None = field(
        default=None, repr=False, compare=False
    )
    _since: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def since_last_review(self) -> dict[str, Any] | None:
        """What changed from the previous quarter end to the quarter end (``metrics.digest.to_json``):
        the deck's slide "Since the last review" and the pack's sheet. Computed when first asked
        (the meeting page's agenda does not need it; a download does), once, from ``prepare``'s
        connection: ask while it is open."""
        if self.source is None:
            return None
        with self._lock:
            if "json" not in self._since:
                con, filters, settings = self.source
                cursor = con.cursor()  # a connection is not shared between threads: a cursor each
                try:
                    before = previous_quarter_end(self.quarter_end)
                    found = digest(cursor, before, cursor, self.quarter_end, filters, settings)
                    self._since["json"] = to_json(found, filters)
                finally:
                    cursor.close()
            return self._since["json"]


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
    return Quarter(quarter_end, pic, plan, pack, minutes, thresholds, store.data_batch(con), (con, filters, settings))


def pptx(q: Quarter, lang: str) -> bytes:
    """The deck: title, portfolio summary, agenda, one slide per team; the footer names the data."""
    return deck.build(
        q.pack,
        q.agenda,
        q.picture.heatmap,
        lang,
        minutes=q.minutes,
        thresholds=q.thresholds,
        status=q.picture.status,
        data_batch=q.data_batch,
        digest=q.since_last_review(),
    )


def data_note(q: Quarter, lang: str) -> str | None:
    """``data: batch 5, imported 01.10.2026 10:00``: which data the pack was made from."""
    if q.data_batch is None:
        return None
    batch_id, imported = q.data_batch
    return t("as_of_batch.stamp", lang, batch=batch_id, when=f"{imported:%d.%m.%Y %H:%M}")


WHOLE: Final = excel.WHOLE_FORMAT
HOURS: Final = "#,##0.0#"


def _label(v: object, prefix: str, lang: str) -> object:
    key = f"{prefix}.{v}"
    return t(key, lang) if v is not None and not (isinstance(v, float) and pd.isna(v)) and has(key) else v


def _labels(series: pd.Series, prefix: str, lang: str) -> pd.Series:
    return series.map(lambda v: _label(v, prefix, lang))


def xlsx(q: Quarter, lang: str) -> bytes:
    """The Excel pack for the minutes: a formatted, filterable sheet per metric."""
    pic = q.picture

    def tr(key: str) -> str:
        return t(key, lang)

    # the stage on the quarter end; a RAG only where one applies (planning or execution)
    stage = pic.status["lifecycle"] if "lifecycle" in pic.status else pic.status["status"]
    status = pic.status.assign(
        status=_labels(stage, "enum.project_status", lang),
        rag=_labels(pic.status["rag"], "rag", lang),
        rag_override=_labels(pic.status["rag_override"], "rag", lang),
        rag_effective=_labels(pic.status["rag_effective"], "rag", lang),
        reasons=pic.status["rag_reasons"].map(
            lambda codes: "; ".join(_reason(c, lang) for c in codes) if isinstance(codes, list) else ""
        ),
    )
    kpi = pic.indicators.assign(status=_labels(pic.indicators["status"], "indicator_status", lang))
    risks = pic.risks.assign(
        priority=_labels(pic.risks["priority"], "enum.priority", lang),
        status=_labels(pic.risks["status"].fillna("open"), "enum.risk_status", lang),
        flags=pic.risks["flags"].map(lambda fs: ", ".join(t(f"risk_flag.{f}", lang) for f in fs)),
    )
    load = pic.meeting_load.assign(norm=_labels(pic.meeting_load["norm"], "norm", lang))
    overdue = pic.overdue.assign(kind=_labels(pic.overdue["kind"], "overdue_kind", lang))
    budget = pic.budget.assign(funding_source=_labels(pic.budget["funding_source"], "enum.funding_source", lang))
    # a team without a RAG (completed in the quarter, suspended...) shows its stage instead
    stages = dict(zip(pic.status["project_id"], stage, strict=True))
    shown = [
        _label(rag, "rag", lang) if isinstance(rag, str) else _label(stages.get(pid), "enum.project_status", lang)
        for pid, rag in zip(q.agenda["project_id"], q.agenda["rag"], strict=True)
    ]
    agenda_sheet = q.agenda.assign(rag=pd.Series(shown, index=q.agenda.index, dtype=object))
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
            note=data_note(q, lang),
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
                "indicators": tr("meeting.indicators_total"),
                "indicators_achieved": tr("meeting.indicators_achieved"),
                "indicators_missed": tr("meeting.indicators_missed"),
            },
            fraction=["kpi_index"],
            formats={"indicators": WHOLE, "indicators_achieved": WHOLE, "indicators_missed": WHOLE},
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
            fraction=["achievement", "expected"],
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
            formats={"project_hours": HOURS, "meeting_hours": HOURS},
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
            formats={"days_overdue": WHOLE, "working_days_overdue": WHOLE},
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
            formats={"planned": WHOLE, "spent": WHOLE},  # thousands of tenge
        ),
    ]
    since = q.since_last_review()
    if since is not None:
        sheets.append(digest_sheet(since, lang))
    return excel.workbook(sheets)


DIGEST_COLUMNS: Final = ("project", "direction", "kind", "item", "before", "after", "note")


def digest_sheet(data: dict[str, Any], lang: str) -> excel.Sheet:
    """Every change since the previous quarter end, worst first, in words (``exports.digest_text``)."""
    rows = pd.DataFrame([change_row(c, lang) for c in data["changes"]], columns=list(DIGEST_COLUMNS))
    colours = {t(f"digest.direction.{d}", lang): fill for d, fill in DIRECTION_FILL.items()}
    return excel.Sheet(
        t("digest.title", lang),
        rows,
        {c: t(f"digest.col.{c}", lang) for c in DIGEST_COLUMNS},
        title=span_text(data, lang),
        note=t("digest.nothing", lang) if rows.empty else None,
        fills={"direction": colours},
    )


#: light fills of a change's direction (its word is in the cell: never colour alone)
DIRECTION_FILL: Final = {"worse": "#FFCDD2", "moved": "#FFF3C4", "better": "#C8E6C9"}


def _reason(code: str, lang: str) -> str:
    name, _, item = code.partition(":")
    key = f"rag_reason.{name}"
    text = t(key, lang) if has(key) else name
    return f"{text} ({item})" if item else text
