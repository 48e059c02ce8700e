"""The whole picture as of a date: the ``pmo report`` JSON contract (documented in README.md).

Every metric is computed once here and shared (indicators feed the RAG and the overdue list,
the risk register feeds the heatmap, the flags and the RAG). Lists are sorted by their ids so
two reports can be diffed; numbers are numbers, dates ISO, and null means "no data" — never 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .budget import _budget_lines, budget_summary
from .common import Context, Filters, context, typed
from .kpi import _indicators
from .meetings import LOAD_COLUMNS, _load, _over_allocated, _overruns
from .overdue import _completed_late, _evaluations_late, _overdue
from .risks import _risks, heatmap
from .roadmaps import RoadmapPicture, picture_of
from .settings import Settings
from .status import _status, rag_counts

SCHEMA_VERSION = 4  # 2: RAG and active projects only for planning + execution; status as of the date
# 3: overdue items of kind "decision" (the quarterly meeting's decisions, Reg §34)
# 4: the "roadmaps" section (Decree 881); overdue items of kind "roadmap_step", whose project_id is null


@dataclass(frozen=True)
class Picture:
    """Every metric frame of one as-of date (what pages, the deck and the report share)."""

    as_of: dt.date
    status: pd.DataFrame
    indicators: pd.DataFrame
    risks: pd.DataFrame
    heatmap: pd.DataFrame
    meeting_load: pd.DataFrame
    overruns: pd.DataFrame
    over_allocated: pd.DataFrame
    overdue: pd.DataFrame
    completed_late: pd.DataFrame
    evaluations_late: pd.DataFrame
    budget: pd.DataFrame
    roadmaps: RoadmapPicture

    @property
    def kpi_index(self) -> float | None:
        """Portfolio index: plain mean of the projects' indices (DOMAIN §4.1)."""
        live = self.status.loc[~self.status["cancelled"], "kpi_index"].dropna()
        return float(live.mean()) if len(live) else None


def picture(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> Picture:
    """Compute every metric of DOMAIN §4 once for ``as_of``.

    Two threads share the work: DuckDB runs a query without holding the GIL, so one thread's
    SQL overlaps the other's pandas. The RAG status (which needs the indicators, the risks and
    the overdue items) on one; the meetings, the late lists and the budget on the other."""
    ctx: Context = context(con, as_of, filters, settings)

    def meetings() -> tuple[pd.DataFrame, ...]:
        try:
            return (
                typed(_load(ctx), LOAD_COLUMNS),
                _overruns(ctx),
                _over_allocated(ctx),
                _completed_late(ctx),
                _evaluations_late(ctx),
                _budget_lines(ctx),
            )
        finally:
            ctx.close()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-metrics") as pool:
        other = pool.submit(meetings)
        register = _risks(ctx)
        status = _status(ctx)
        indicators, overdue = _indicators(ctx), _overdue(ctx)
        roadmaps = picture_of(ctx)
        load, overruns, over_allocated, completed_late, evaluations_late, budget = other.result()
    return Picture(
        as_of=as_of,
        status=status,
        indicators=indicators,
        risks=register,
        heatmap=heatmap(register),
        meeting_load=load,
        overruns=overruns,
        over_allocated=over_allocated,
        overdue=overdue,
        completed_late=completed_late,
        evaluations_late=evaluations_late,
        budget=budget,
        roadmaps=roadmaps,
    )


# --------------------------------------------------------------------------------------------
# JSON


def _value(v: Any) -> Any:
    """A JSON value: ISO dates, rounded floats, None for NaN/NaT/NA."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, list | tuple | np.ndarray):
        return [_value(x) for x in v]
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer | int):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return None if math.isnan(f) else round(f, 6)
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _json_column(col: pd.Series) -> Any:
    """One column as JSON-ready Python values, vectorised: ISO dates, rounded floats, None."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.dt.strftime("%Y-%m-%d").astype(object).where(col.notna(), None)
    if pd.api.types.is_bool_dtype(col):
        return col.astype(bool).astype(object)
    if pd.api.types.is_integer_dtype(col):
        return col.astype(object).where(col.notna(), None)
    if pd.api.types.is_float_dtype(col):
        return col.round(6).astype(object).where(col.notna(), None)
    if col.dtype == object and col.map(lambda v: isinstance(v, list | tuple | np.ndarray)).any():
        return pd.Series([_value(v) for v in col], index=col.index, dtype=object)
    return col.astype(object).where(col.notna(), None)


def records(df: pd.DataFrame, columns: Mapping[str, str] | list[str], sort: list[str]) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON objects with the given keys (``{key: column}`` or a list), sorted."""
    mapping = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    ordered = df.sort_values(sort, kind="stable") if len(df) else df
    if not len(ordered):
        return []
    columns_out = [_json_column(ordered[col]).tolist() for col in mapping.values()]
    keys = list(mapping)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns_out, strict=True)]


def report(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """The ``pmo report`` JSON (see README, "Report JSON")."""
    pic = picture(con, as_of, filters, settings)
    return to_json(pic, filters)


def headline(pic: Picture) -> dict[str, Any]:
    """The portfolio's headline numbers (the report's "portfolio" and the overview's cards)."""
    status = pic.status
    fin = budget_summary(pic.budget, ["financed"])
    financed = fin[fin["financed"]]
    unfunded = fin[~fin["financed"]]
    open_risks = pic.risks[pic.risks["is_open"] & ~pic.risks["project_cancelled"]]
    return {
        "kpi_index": _value(pic.kpi_index),
        "projects": len(status),
        "active_projects": int(status["live"].astype(bool).sum()),  # planning + execution (DOMAIN §4.6)
        "rag": rag_counts(status),
        "overdue_items": len(pic.overdue),
        "open_high_risks": int(open_risks["priority"].eq("high").sum()),
        "budget": {
            "planned": _value(financed["planned"].sum()) if len(financed) else None,
            "spent": _value(financed["spent"].sum(min_count=1)) if len(financed) else None,
            "absorption": _value(financed["absorption"].iloc[0]) if len(financed) else None,
            "additional_funding_required": _value(unfunded["planned"].sum()) if len(unfunded) else None,
        },
    }


def to_json(pic: Picture, filters: Filters | None = None) -> dict[str, Any]:
    status = pic.status
    f = filters or Filters()
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": pic.as_of.isoformat(),
        "filters": {
            "program": f.program,
            "curator": f.curator,
            "project_ids": list(f.project_ids) if f.project_ids is not None else None,
        },
        "portfolio": headline(pic),
        "projects": records(
            status,
            {
                "project_id": "project_id",
                "name": "name",
                "program": "program",
                "status": "lifecycle",
                "kpi_index": "kpi_index",
                "rag": "rag",
                "rag_reasons": "rag_reasons",
                "rag_override": "rag_override",
                "rag_effective": "rag_effective",
            },
            ["project_id"],
        ),
        "indicators": records(
            pic.indicators,
            [
                "indicator_id",
                "project_id",
                "kind",
                "latest_period",
                "latest_actual",
                "achievement",
                "expected",
                "status",
            ],
            ["indicator_id"],
        ),
        "risks": {
            "heatmap": pic.heatmap.astype(int).to_numpy().tolist(),  # rows probability 1–5, columns impact 1–5
            "items": records(
                pic.risks,
                {
                    "risk_id": "risk_id",
                    "project_id": "project_id",
                    "probability": "probability",
                    "impact": "impact",
                    "score": "score",
                    "priority": "priority",
                    "priority_typed": "priority_typed",
                    "open": "is_open",
                    "flags": "flags",
                },
                ["risk_id"],
            ),
        },
        "meeting_load": records(
            pic.meeting_load,
            [
                "person",
                "project_id",
                "week",
                "project_hours",
                "meeting_hours",
                "load_pct",
                "norm",
                "required",
                "attended",
                "compliance_pct",
            ],
            ["person", "project_id", "week"],
        ),
        "meeting_overruns": records(
            pic.overruns,
            ["meeting_id", "project_id", "type", "date", "duration_min", "limit_min", "over_min", "reason"],
            ["meeting_id", "reason"],
        ),
        "over_allocated": records(pic.over_allocated, ["person", "allocation_pct", "project_ids"], ["person"]),
        "overdue": records(
            pic.overdue,
            ["kind", "item_id", "project_id", "responsible", "due", "days_overdue", "working_days_overdue"],
            ["kind", "item_id"],
        ),
        "completed_late": records(
            pic.completed_late,
            ["activity_id", "project_id", "planned_end", "actual_end", "days_late"],
            ["activity_id"],
        ),
        "evaluations_late": records(
            pic.evaluations_late, ["project_id", "due", "submitted_on", "days_late"], ["project_id"]
        ),
        "budget": records(
            pic.budget,
            ["project_id", "year", "funding_source", "planned", "spent", "absorption"],
            ["project_id", "year", "funding_source"],
        ),
        "roadmaps": roadmaps_json(pic.roadmaps),
    }


def roadmaps_json(r: RoadmapPicture) -> dict[str, Any]:
    """The report's "roadmaps" section (Decree 881; README, "Report JSON")."""
    return {
        "items": records(
            r.roadmaps,
            [
                "roadmap_id",
                "agency",
                "name",
                "period_from",
                "period_to",
                "first_approved",
                "next_step",
                "next_change_id",
                "next_due",
                "overdue_steps",
                "late_steps",
                "violations",
                "financed",
                "additional_funding",
            ],
            ["roadmap_id"],
        ),
        "steps": records(
            r.steps,
            [
                "roadmap_id",
                "change_id",
                "step",
                "paragraph",
                "started",
                "due",
                "done_on",
                "state",
                "working_days_late",
                "working_days_taken",
            ],
            ["roadmap_id", "change_id", "step", "started"],
        ),
        "violations": records(
            r.violations,
            ["roadmap_id", "change_id", "approved_on", "previous_approval", "previous_change_id", "allowed_from"],
            ["roadmap_id", "change_id"],
        ),
        "directions": records(
            r.directions,
            ["roadmap_id", "direction_id", "project_id", "financed", "additional_funding", "additional_share"],
            ["direction_id"],
        ),
        "criteria": records(
            r.criteria, ["roadmap_id", "criterion", "indicators", "share"], ["roadmap_id", "criterion"]
        ),
    }
