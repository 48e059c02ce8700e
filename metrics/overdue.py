"""Overdue items of every kind, completed-late activities and late evaluation reports
(DOMAIN §4.4; Reg §8.4, §44–45, §49; DT §24–25, §37–40, §51)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import pandas as pd

from .common import SCOPE_CTE, ColumnType, Context, Filters, context, typed
from .kpi import _indicators
from .risks import _risks
from .roadmaps import overdue_steps, picture_of
from .settings import Settings

KINDS: Final = ("project", "activity", "indicator", "risk_review", "evaluation", "change", "decision", "roadmap_step")

OVERDUE_COLUMNS: Final[dict[str, ColumnType]] = {
    "kind": "text",
    "item_id": "text",
    "project_id": "text",
    "project_name": "text",
    "title": "text",
    "responsible": "text",
    "due": "date",
    "days_overdue": "int",
    "working_days_overdue": "int",
}


LIVE_STAGES: Final = ("planning", "execution")


def _projects(ctx: Context) -> pd.DataFrame:
    """The projects in scope with, as of the as-of date: ``completed``; ``lifecycle``, the stage
    they were in then; and ``live``, whether a RAG applies (planning or execution, DOMAIN §4.6).

    A completion dated after the as-of date had not happened yet (DOMAIN §4): such a project was
    in execution then. A blank status counts as execution (the project is in the portfolio and
    nobody said otherwise)."""

    def compute() -> pd.DataFrame:
        df = ctx.query(f"WITH {SCOPE_CTE} SELECT * FROM scope ORDER BY project_id")
        as_of = pd.Timestamp(ctx.as_of)
        completed_on = pd.to_datetime(df["completed_on"])
        df["completed"] = (completed_on <= as_of) | (completed_on.isna() & df["status"].eq("completed"))
        stage = df["status"].fillna("execution").where(~df["status"].eq("completed"), "execution")
        stage = stage.where(~df["completed"], "completed").where(~df["cancelled"], "cancelled")
        df["lifecycle"] = stage.astype(object)
        df["live"] = df["lifecycle"].isin(LIVE_STAGES)
        return df

    return ctx.memo("projects", compute)


_COMPLETED_LATE_SQL: Final = f"""
WITH {SCOPE_CTE}
SELECT a.activity_id, a.project_id, a.name, coalesce(a.responsible, s.project_manager) AS responsible,
       a.planned_end, a.actual_end, datediff('day', a.planned_end, a.actual_end) AS days_late,
       e.cum - p.cum AS working_days_late
FROM activities a JOIN scope s USING (project_id)
LEFT JOIN wd_cal p ON p.day = a.planned_end LEFT JOIN wd_cal e ON e.day = a.actual_end
WHERE NOT s.cancelled AND a.actual_end <= $as_of AND a.actual_end > a.planned_end
  AND coalesce(a.status, '') <> 'cancelled'
ORDER BY a.activity_id
"""


_OVERDUE_SQL: Final = f"""
WITH {SCOPE_CTE},
live AS (
    SELECT p.*, coalesce(p.completed_on <= $as_of OR (p.completed_on IS NULL AND p.status = 'completed'),
                         false) AS completed
    FROM scope p WHERE NOT p.cancelled
),
items AS (
    -- passport deadline passed, project not completed: reported to the curator (Reg §8.4)
    SELECT 'project' AS kind, project_id AS item_id, project_id, name AS title, project_manager AS responsible,
           end_date AS due
    FROM live WHERE NOT completed AND end_date < $as_of
    UNION ALL
    -- activities not complete whose planned end is before the as-of date (Reg §44–45)
    SELECT 'activity', a.activity_id, a.project_id, a.name, coalesce(a.responsible, l.project_manager), a.planned_end
    FROM activities a JOIN live l USING (project_id)
    WHERE NOT coalesce(a.actual_end <= $as_of OR (a.actual_end IS NULL AND a.status = 'done')
                       OR a.status = 'cancelled', false)
      AND a.planned_end < $as_of
    UNION ALL
    -- target indicators missed (DOMAIN §4.1), from the indicator statuses
    SELECT 'indicator', i.indicator_id, i.project_id, i.name, l.project_manager, i.deadline
    FROM missed_indicators i JOIN live l USING (project_id)
    UNION ALL
    -- risk reassessment overdue: due 92 days after the last one (Reg §42.4)
    SELECT 'risk_review', r.risk_id, r.project_id, r.title, r.responsible, r.review_due
    FROM stale_risks r JOIN live l USING (project_id)
    UNION ALL
    -- evaluation report due on the 15th working day after completion, not submitted (Reg §49)
    SELECT 'evaluation', l.project_id, l.project_id, l.name, l.project_manager, due.day
    FROM live l JOIN wd_cal done ON done.day = l.completed_on
    JOIN wd_cal due ON due.working AND due.cum = done.cum + $evaluation_days
    WHERE l.completed AND due.day < $as_of
      AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.project_id = l.project_id AND e.submitted_on <= $as_of)
    UNION ALL
    -- change requests still pending after their 10th working day (DOMAIN §4.4); a decision dated
    -- after the as-of date had not been taken yet
    SELECT 'change', c.change_id, c.project_id, c.description, l.project_manager, due.day
    FROM changes c JOIN live l USING (project_id) JOIN wd_cal sub ON sub.day = c.submitted_on
    JOIN wd_cal due ON due.working AND due.cum = sub.cum + $change_days
    WHERE c.submitted_on <= $as_of AND (c.decision IS NULL OR c.decision = 'pending' OR c.decided_on > $as_of)
      AND due.day < $as_of
    UNION ALL
    -- decisions of the curator's quarterly meeting (Reg §34) not carried out by their due date; a
    -- done_on after the as-of date had not happened yet, a decision taken after it did not exist
    SELECT 'decision', dc.decision_id, dc.project_id, dc.text, coalesce(dc.responsible, l.project_manager),
           dc.due_date
    FROM decisions dc JOIN live l USING (project_id)
    WHERE dc.meeting_date <= $as_of AND dc.due_date < $as_of AND NOT coalesce(dc.done_on <= $as_of, false)
)
SELECT it.kind, it.item_id, it.project_id, l.name AS project_name, it.title, it.responsible, it.due,
       datediff('day', it.due, CAST($as_of AS DATE)) AS days_overdue,
       (SELECT cum FROM wd_cal WHERE day = CAST($as_of AS DATE)) - d.cum AS working_days_overdue
FROM items it JOIN live l USING (project_id) LEFT JOIN wd_cal d ON d.day = it.due
ORDER BY working_days_overdue DESC NULLS LAST, days_overdue DESC,
         list_position(['project', 'activity', 'indicator', 'risk_review', 'evaluation', 'change', 'decision'],
                       it.kind),
         it.item_id
"""


def _overdue(ctx: Context) -> pd.DataFrame:
    return ctx.memo("overdue", lambda: _compute_overdue(ctx))


def _compute_overdue(ctx: Context) -> pd.DataFrame:
    indicators = _indicators(ctx)
    register = _risks(ctx)
    missed = indicators.loc[indicators["status"].eq("missed"), ["indicator_id", "project_id", "name", "deadline"]]
    stale = register.loc[register["stale"], ["risk_id", "project_id", "title", "responsible", "review_due"]]
    ctx.register_calendar()
    ctx.db.register("missed_indicators", missed)
    ctx.db.register("stale_risks", stale)
    try:
        out = ctx.query(
            _OVERDUE_SQL,
            evaluation_days=ctx.settings.int("evaluation_due_working_days"),
            change_days=ctx.settings.int("change_due_working_days"),
        )
    finally:
        ctx.db.unregister("missed_indicators")
        ctx.db.unregister("stale_risks")
    steps = overdue_steps(picture_of(ctx))
    if steps.empty:
        return typed(out, OVERDUE_COLUMNS)
    both = pd.concat([typed(out, OVERDUE_COLUMNS), typed(steps, OVERDUE_COLUMNS)], ignore_index=True)
    rank = both["kind"].map(KINDS.index)
    order = both.assign(_rank=rank).sort_values(
        ["working_days_overdue", "days_overdue", "_rank", "item_id"],
        ascending=[False, False, True, True],
        na_position="last",
        kind="stable",
    )
    return typed(order.drop(columns="_rank").reset_index(drop=True), OVERDUE_COLUMNS)


_EVALUATIONS_LATE_SQL: Final = f"""
WITH {SCOPE_CTE}
SELECT p.project_id, p.name AS project_name, p.completed_on, due.day AS due, e.submitted_on,
       datediff('day', due.day, e.submitted_on) AS days_late, sub.cum - due.cum AS working_days_late
FROM scope p JOIN evaluations e USING (project_id)
JOIN wd_cal done ON done.day = p.completed_on
JOIN wd_cal due ON due.working AND due.cum = done.cum + $evaluation_days
JOIN wd_cal sub ON sub.day = e.submitted_on
WHERE NOT p.cancelled AND p.completed_on <= $as_of AND e.submitted_on <= $as_of AND e.submitted_on > due.day
ORDER BY p.project_id
"""


def overdue_items(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """One table of everything overdue on the as-of date, most overdue first: projects past their
    passport deadline and not completed (Reg §8.4); activities not complete past their planned end
    (Reg §44–45); target indicators missed (§4.1); risk reassessments overdue (Reg §42.4);
    evaluation reports missing after the 15th working day from completion (Reg §49); change
    requests pending after the 10th working day from submission; decisions of the quarterly
    meeting not done by their due date (Reg §34); steps of the digital-transformation roadmaps past
    their working-day deadline (kind ``roadmap_step``, DT §24–25, §34, §37–40, §45: no project, the
    roadmap's name as the title, its deputy head as the responsible). Days overdue = as-of − due;
    working days overdue = working days after the due date up to the as-of date (DOMAIN §4.4).
    Cancelled projects are left out."""
    return _overdue(context(con, as_of, filters, settings))


def completed_late(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Activities complete by the as-of date whose actual end is after their planned end: shown,
    not overdue (DOMAIN §4.4)."""
    return _completed_late(context(con, as_of, filters, settings))


def _completed_late(ctx: Context) -> pd.DataFrame:
    ctx.register_calendar()
    late = ctx.query(_COMPLETED_LATE_SQL)
    return typed(
        late,
        {
            "activity_id": "text",
            "project_id": "text",
            "name": "text",
            "responsible": "text",
            "planned_end": "date",
            "actual_end": "date",
            "days_late": "int",
            "working_days_late": "int",
        },
    )


def evaluations_late(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Evaluation reports submitted after their due date, the 15th working day after completion
    (Reg §49): shown as late."""
    return _evaluations_late(context(con, as_of, filters, settings))


def _evaluations_late(ctx: Context) -> pd.DataFrame:
    ctx.register_calendar()
    late = ctx.query(_EVALUATIONS_LATE_SQL, evaluation_days=ctx.settings.int("evaluation_due_working_days"))
    return typed(
        late,
        {
            "project_id": "text",
            "project_name": "text",
            "completed_on": "date",
            "due": "date",
            "submitted_on": "date",
            "days_late": "int",
            "working_days_late": "int",
        },
    )
