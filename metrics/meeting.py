"""What each team shows at the quarterly reporting meeting (DOMAIN §4.7; Reg §34–35).

One ``Brief`` per project, as the portfolio stood at quarter end: KPI achievement against target
and expected with the change since the previous quarter end, overdue items, top risks with their
heatmap position, budget absorption by funding source (additional funding apart, DT §17.2) and
the change requests awaiting a decision. The presentation view and the PowerPoint deck show the
same briefs, so what is projected is what is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import duckdb
import pandas as pd

from .budget import absorption
from .common import SCOPE_CTE, Filters, context, previous_quarter_end, typed
from .decisions import STATES, quarter_decisions
from .report import Picture, headline, picture
from .settings import Settings

TOP_RISKS: Final = 5


@dataclass(frozen=True)
class Brief:
    """One team's ≤ 20 minutes (Reg §34)."""

    project_id: str
    name: str
    program: str | None
    project_manager: str | None
    rag: str | None
    rag_reasons: list[str]
    kpi_index: float | None
    kpi_index_before: float | None  # at the previous quarter end
    indicators: pd.DataFrame  # indicator_id, name, unit, target, latest_actual, achievement, expected, status, before
    overdue: pd.DataFrame  # kind, item_id, title, responsible, due, days_overdue, working_days_overdue
    risks: pd.DataFrame  # risk_id, title, probability, impact, score, priority, flags (top open by score)
    budget: pd.DataFrame  # funding_source, financed, planned, spent, absorption (the quarter's year)
    changes: pd.DataFrame  # change_id, description, submitted_on, due, overdue
    #: what the previous quarter's meeting decided for this team, each done / overdue / open at
    #: this quarter's end (metrics.decisions.quarter_decisions)
    decided: pd.DataFrame

    def decided_counts(self) -> dict[str, int]:
        """``{"total": 3, "done": 2, "overdue": 1, "open": 0}``: "decided last time: 3, done 2, overdue 1"."""
        states = self.decided["state"].value_counts()
        return {"total": len(self.decided)} | {s: int(states.get(s, 0)) for s in STATES}


@dataclass(frozen=True)
class MeetingPack:
    quarter_end: dt.date
    before: dt.date
    summary: dict[str, Any]  # headline numbers at quarter end
    summary_before: dict[str, Any]
    briefs: list[Brief]


_PENDING_CHANGES_SQL: Final = f"""
WITH {SCOPE_CTE}
SELECT c.change_id, c.project_id, c.description, c.submitted_on, due.day AS due, due.day < $as_of AS overdue
FROM changes c JOIN scope s USING (project_id)
LEFT JOIN wd_cal sub ON sub.day = c.submitted_on
LEFT JOIN wd_cal due ON due.working AND due.cum = sub.cum + $change_days
WHERE NOT s.cancelled AND c.submitted_on <= $as_of
  AND (c.decision IS NULL OR c.decision = 'pending' OR c.decided_on > $as_of)
ORDER BY c.submitted_on, c.change_id
"""


def pending_changes(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Change requests awaiting the curator's decision on the as-of date (Reg §30, §39–40), with
    the due date of the decision (10th working day after submission) and whether it has passed."""
    ctx = context(con, as_of, filters, settings)
    ctx.register_calendar()
    df = ctx.query(_PENDING_CHANGES_SQL, change_days=ctx.settings.int("change_due_working_days"))
    return typed(
        df,
        {
            "change_id": "text",
            "project_id": "text",
            "description": "text",
            "submitted_on": "date",
            "due": "date",
            "overdue": "bool",
        },
    )


def _budget_of_year(lines: pd.DataFrame, project_id: str, year: int) -> pd.DataFrame:
    mine = lines[(lines["project_id"] == project_id) & (lines["year"] == year)]
    grouped = mine.groupby(["funding_source", "financed"], as_index=False).agg(
        planned=("planned", "sum"), spent=("spent", lambda s: s.sum(min_count=1))
    )
    grouped["absorption"] = absorption(grouped["spent"], grouped["planned"])
    return grouped.sort_values(["financed", "funding_source"], ascending=[False, True]).reset_index(drop=True)


def brief(now: Picture, before: Picture, changes: pd.DataFrame, decided: pd.DataFrame, project_id: str) -> Brief:
    """The brief of one project from the pictures at quarter end and at the quarter end before."""
    status: Any = now.status.set_index("project_id").loc[project_id]
    prev_status = before.status.set_index("project_id")
    ind = now.indicators[now.indicators["project_id"] == project_id]
    prev = before.indicators.set_index("indicator_id")["achievement"]
    ind = ind.assign(before=ind["indicator_id"].map(prev))[
        [
            "indicator_id",
            "name",
            "unit",
            "kind",
            "target",
            "latest_actual",
            "achievement",
            "expected",
            "status",
            "before",
        ]
    ]
    risks = now.risks[(now.risks["project_id"] == project_id) & now.risks["is_open"]]
    # top risks: high priority first (as the team rates them), then by score
    rank = risks["priority"].map({"high": 0, "medium": 1, "low": 2})
    risks = risks.assign(_rank=rank).sort_values(["_rank", "score", "risk_id"], ascending=[True, False, True])
    risks = risks.head(TOP_RISKS)[["risk_id", "title", "probability", "impact", "score", "priority", "flags"]]
    overdue = now.overdue[now.overdue["project_id"] == project_id][
        ["kind", "item_id", "title", "responsible", "due", "days_overdue", "working_days_overdue"]
    ]
    before_index = prev_status["kpi_index"].get(project_id) if project_id in prev_status.index else None
    reasons = status["rag_reasons"]
    return Brief(
        project_id=project_id,
        name=str(status["name"]),
        program=status["program"],
        project_manager=status["project_manager"],
        rag=status["rag_effective"],
        rag_reasons=list(reasons) if isinstance(reasons, list) else [],
        kpi_index=None if pd.isna(status["kpi_index"]) else float(status["kpi_index"]),
        kpi_index_before=None if before_index is None or pd.isna(before_index) else float(before_index),
        indicators=ind.reset_index(drop=True),
        overdue=overdue.reset_index(drop=True),
        risks=risks.reset_index(drop=True),
        budget=_budget_of_year(now.budget, project_id, now.as_of.year),
        changes=changes[changes["project_id"] == project_id].drop(columns="project_id").reset_index(drop=True),
        decided=decided[decided["project_id"] == project_id].reset_index(drop=True),
    )


def meeting_pack(
    con: duckdb.DuckDBPyConnection,
    quarter_end: dt.date,
    project_ids: Sequence[str],
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> MeetingPack:
    """The portfolio at quarter end and a brief per team, in the agenda's order."""
    now = picture(con, quarter_end, filters, settings)
    before_date = previous_quarter_end(quarter_end)
    before = picture(con, before_date, filters, settings)
    changes = pending_changes(con, quarter_end, filters, settings)
    decided = quarter_decisions(con, before_date, filters, settings, as_of=quarter_end)
    known = set(now.status["project_id"])
    briefs = [brief(now, before, changes, decided, pid) for pid in project_ids if pid in known]
    return MeetingPack(quarter_end, before_date, headline(now), headline(before), briefs)
