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
from .settings import Settings

KINDS: Final = ("project", "activity", "indicator", "risk_review", "evaluation", "change")

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


def _projects(ctx: Context) -> pd.DataFrame:
    """The projects in scope with ``completed`` as of the as-of date."""

    def compute() -> pd.DataFrame:
        df = ctx.query(f"WITH {SCOPE_CTE} SELECT * FROM scope ORDER BY project_id")
        as_of = pd.Timestamp(ctx.as_of)
        completed_on = pd.to_datetime(df["completed_on"])
        # a completion dated after the as-of date had not happened yet (DOMAIN §4)
        df["completed"] = (completed_on <= as_of) | (completed_on.isna() & df["status"].eq("completed"))
        return df

    return ctx.memo("projects", compute)


_ACTIVITIES_SQL: Final = f"""
WITH {SCOPE_CTE},
acts AS (
    SELECT a.*, s.name AS project_name, coalesce(a.responsible, s.project_manager) AS responsible_eff,
           -- complete = done or cancelled, or an actual_end on or before the as-of date; an
           -- actual_end after the as-of date is a completion that had not happened yet
           coalesce(a.actual_end <= $as_of OR (a.actual_end IS NULL AND a.status = 'done')
                    OR a.status = 'cancelled', false) AS complete
    FROM activities a JOIN scope s USING (project_id)
    WHERE NOT s.cancelled
),
late_or_overdue AS (
    SELECT *, NOT complete AND planned_end < $as_of AS overdue,
           coalesce(actual_end <= $as_of AND actual_end > planned_end AND coalesce(status, '') <> 'cancelled',
                    false) AS late
    FROM acts
)
SELECT * FROM late_or_overdue WHERE overdue OR late
ORDER BY activity_id
"""


def _activities(ctx: Context) -> pd.DataFrame:
    """Activities of live projects that are overdue or were completed late, as of the as-of date
    (DOMAIN §4.4); the rest of the plan does not reach Python."""
    return ctx.memo("activities", lambda: ctx.query(_ACTIVITIES_SQL))


def _frame(
    kind: str, ids: pd.Series, df: pd.DataFrame, title: pd.Series, responsible: pd.Series, due: pd.Series
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kind": kind,
            "item_id": ids.astype(str).to_numpy(),
            "project_id": df["project_id"].to_numpy(),
            "project_name": df["project_name"].to_numpy(),
            "title": title.to_numpy(),
            "responsible": responsible.to_numpy(),
            "due": pd.to_datetime(due).to_numpy(),
        }
    )


def _overdue(ctx: Context) -> pd.DataFrame:
    return ctx.memo("overdue", lambda: _compute_overdue(ctx))


def _compute_overdue(ctx: Context) -> pd.DataFrame:
    as_of = pd.Timestamp(ctx.as_of)
    projects = _projects(ctx)
    live = projects[~projects["cancelled"]].rename(columns={"name": "project_name"})
    pm = live.set_index("project_id")["project_manager"]
    names = live.set_index("project_id")["project_name"]
    parts = []

    # passport deadline passed, project not completed: the violation reported to the curator (Reg §8.4)
    late_projects = live[~live["completed"] & (pd.to_datetime(live["end_date"]) < as_of)]
    parts.append(
        _frame(
            "project",
            late_projects["project_id"],
            late_projects,
            late_projects["project_name"],
            late_projects["project_manager"],
            late_projects["end_date"],
        )
    )

    # activities not complete whose planned end is before the as-of date (Reg §44–45)
    acts = _activities(ctx)
    acts = acts[acts["overdue"].astype(bool)]
    parts.append(
        _frame("activity", acts["activity_id"], acts, acts["name"], acts["responsible_eff"], acts["planned_end"])
    )

    # target indicators missed (DOMAIN §4.1)
    ind = _indicators(ctx)
    ind = ind[~ind["project_cancelled"] & ind["status"].eq("missed")]
    ind = ind.assign(project_name=ind["project_id"].map(names))
    parts.append(_frame("indicator", ind["indicator_id"], ind, ind["name"], ind["project_id"].map(pm), ind["deadline"]))

    # risk reassessment overdue: due 92 days after the last one (Reg §42.4)
    reg = _risks(ctx)
    reg = reg[~reg["project_cancelled"] & reg["stale"]]
    reg = reg.assign(project_name=reg["project_id"].map(names))
    parts.append(_frame("risk_review", reg["risk_id"], reg, reg["title"], reg["responsible"], reg["review_due"]))

    # evaluation report due on the 15th working day after completion (Reg §49)
    evals = _evaluations(ctx, live)
    missing = evals[evals["submitted"].isna() & (evals["due"] < as_of)]
    parts.append(
        _frame(
            "evaluation",
            missing["project_id"],
            missing,
            missing["project_name"],
            missing["project_manager"],
            missing["due"],
        )
    )

    # change requests pending past their 10th working day (DOMAIN §4.4)
    changes = _changes(ctx, live)
    pending = changes[changes["pending"] & (changes["due"] < as_of)]
    parts.append(
        _frame(
            "change",
            pending["change_id"],
            pending,
            pending["description"],
            pending["project_id"].map(pm),
            pending["due"],
        )
    )

    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    due = pd.to_datetime(out["due"])
    out["days_overdue"] = (as_of - due).dt.days
    out["working_days_overdue"] = ctx.calendar.between(due, pd.Series([as_of] * len(out)))
    out["kind_order"] = out["kind"].map({k: i for i, k in enumerate(KINDS)})
    out = out.sort_values(
        ["working_days_overdue", "days_overdue", "kind_order", "item_id"], ascending=[False, False, True, True]
    )
    return typed(out, OVERDUE_COLUMNS)


def _evaluations(ctx: Context, projects: pd.DataFrame) -> pd.DataFrame:
    """Completed projects with their report's due date (15th working day after completion) and
    the report's submission date if it was on or before the as-of date."""
    done = projects[projects["completed"] & projects["completed_on"].notna()].copy()
    reports = ctx.query(
        f"WITH {SCOPE_CTE} SELECT e.project_id, e.submitted_on FROM evaluations e JOIN scope USING (project_id)"
    )
    done["due"] = pd.to_datetime(
        ctx.calendar.nth_after(done["completed_on"], ctx.settings.int("evaluation_due_working_days"))
    )
    done = done.merge(reports, on="project_id", how="left")
    submitted = pd.to_datetime(done["submitted_on"])
    done["submitted"] = submitted.where(submitted <= pd.Timestamp(ctx.as_of))
    return done


def _changes(ctx: Context, projects: pd.DataFrame) -> pd.DataFrame:
    df = ctx.query(
        f"""WITH {SCOPE_CTE}
        SELECT c.* FROM changes c JOIN scope USING (project_id)
        WHERE c.submitted_on <= $as_of ORDER BY c.change_id"""
    )
    df = df[df["project_id"].isin(projects["project_id"])].copy()
    df["project_name"] = df["project_id"].map(projects.set_index("project_id")["project_name"])
    decided = pd.to_datetime(df["decided_on"])
    # blank decision = pending; a decision dated after the as-of date had not been taken yet
    undecided = df["decision"].isna() | df["decision"].eq("pending")
    df["pending"] = undecided | (decided > pd.Timestamp(ctx.as_of))
    df["due"] = pd.to_datetime(ctx.calendar.nth_after(df["submitted_on"], ctx.settings.int("change_due_working_days")))
    return df


def overdue_items(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """One table of everything overdue on the as-of date, most overdue first: projects past their
    passport deadline and not completed (Reg §8.4); activities not complete past their planned end
    (Reg §44–45); target indicators missed (§4.1); risk reassessments overdue (Reg §42.4);
    evaluation reports missing after the 15th working day from completion (Reg §49); change
    requests pending after the 10th working day from submission. Days overdue = as-of − due;
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
    acts = _activities(ctx)
    late = acts[acts["late"].astype(bool)]
    late = late.assign(
        days_late=(pd.to_datetime(late["actual_end"]) - pd.to_datetime(late["planned_end"])).dt.days,
        working_days_late=ctx.calendar.between(late["planned_end"], late["actual_end"]),
    )
    return typed(
        late,
        {
            "activity_id": "text",
            "project_id": "text",
            "name": "text",
            "responsible_eff": "text",
            "planned_end": "date",
            "actual_end": "date",
            "days_late": "int",
            "working_days_late": "int",
        },
    ).rename(columns={"responsible_eff": "responsible"})


def evaluations_late(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Evaluation reports submitted after their due date, the 15th working day after completion
    (Reg §49): shown as late."""
    return _evaluations_late(context(con, as_of, filters, settings))


def _evaluations_late(ctx: Context) -> pd.DataFrame:
    projects = _projects(ctx)
    live = projects[~projects["cancelled"]].rename(columns={"name": "project_name"})
    evals = _evaluations(ctx, live)
    late = evals[evals["submitted"].notna() & (evals["submitted"] > evals["due"])].copy()
    late["days_late"] = (late["submitted"] - late["due"]).dt.days
    late["working_days_late"] = ctx.calendar.between(late["due"], late["submitted"])
    return typed(
        late,
        {
            "project_id": "text",
            "project_name": "text",
            "completed_on": "date",
            "due": "date",
            "submitted": "date",
            "days_late": "int",
            "working_days_late": "int",
        },
    ).rename(columns={"submitted": "submitted_on"})
