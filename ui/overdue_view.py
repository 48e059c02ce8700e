"""Helpers of the overdue page: groups by person and project, the coordinator's report of
passport-deadline violations to the curator (Reg §8.4), and the columns of the page's tables
(DOMAIN §4.4)."""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

from metrics.overdue import KINDS

from .tables import Col

Group = Literal["responsible", "project"]
GROUPS: Final[tuple[Group, ...]] = ("responsible", "project")


def of_kinds(overdue: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """The overdue items of the chosen kinds, in the metric's order (most severe first)."""
    return overdue[overdue["kind"].isin(kinds)].reset_index(drop=True)


def groups(overdue: pd.DataFrame, by: Group, nobody: str) -> pd.DataFrame:
    """Per responsible person (``nobody`` when blank) or per project (a roadmap's steps under the
    roadmap): how many items, the most days and working days overdue, and which kinds; the longest
    overdue first."""
    keys = ["responsible"] if by == "responsible" else ["project_id", "project_name"]
    frame = overdue.assign(responsible=overdue["responsible"].fillna(nobody))
    # a roadmap step has no project: it is grouped under its roadmap (the item's first word)
    step = frame["project_id"].isna() & frame["kind"].eq("roadmap_step")
    frame.loc[step, "project_id"] = frame.loc[step, "item_id"].str.split(r"[ /]", regex=True).str[0]
    frame.loc[step, "project_name"] = frame.loc[step, "title"]
    out = frame.groupby(keys, as_index=False, dropna=False).agg(
        items=("item_id", "size"),
        max_days=("days_overdue", "max"),
        max_working_days=("working_days_overdue", "max"),
        kinds=("kind", lambda s: [k for k in KINDS if k in set(s)]),
    )
    return out.sort_values(["max_working_days", "max_days", "items"], ascending=False, ignore_index=True)


def violations(overdue: pd.DataFrame, status: pd.DataFrame, nobody: str) -> pd.DataFrame:
    """Projects past their passport deadline and not completed, with their curator (``nobody``
    when blank): what the coordinator reports to the curator (Reg §8.4); the longest overdue first."""
    projects = overdue[overdue["kind"].eq("project")]
    curators = status[["project_id", "curator"]].drop_duplicates("project_id")
    out = projects.merge(curators, on="project_id", how="left").reset_index(drop=True)
    return out.assign(curator=out["curator"].fillna(nobody))


def curators(report: pd.DataFrame) -> dict[str, int]:
    """The curators the report goes to, with how many of their projects are in it, by name."""
    counts = report["curator"].value_counts()
    return {str(name): int(counts[name]) for name in sorted(counts.index, key=str.casefold)}


def for_curator(report: pd.DataFrame, curator: str | None) -> pd.DataFrame:
    return report if curator is None else report[report["curator"].eq(curator)].reset_index(drop=True)


_PROJECT = Col("project_id", "col.projects.project_id", width=100, pinned=True)
_NAME = Col("project_name", "col.projects.name", width=240)
_DAYS = Col("days_overdue", "overdue.days", "int", width=110)
_WORKING = Col("working_days_overdue", "overdue.working_days", "int", width=140)

#: the item and how late it is first (the list is sorted worst first), then what and whose it is
ITEM_COLS: Final = [
    Col("item_id", "overdue.item", width=110, pinned=True),
    _DAYS,
    _WORKING,
    Col("kind", "overdue.kind", "label", "overdue_kind", width=175),
    Col("title", "overdue.title", width=260),
    Col("responsible", "overdue.responsible", width=170),
    Col("due", "overdue.due", "date", width=100),
    Col("project_id", "col.projects.project_id", width=100),
    _NAME,
]
_SUMMARY = [
    Col("items", "overdue.items", "int"),
    Col("max_days", "overdue.max_days", "int"),
    Col("max_working_days", "overdue.max_working_days", "int"),
    Col("kinds", "overdue.kinds_col", "list", "overdue_kind"),
]
GROUP_COLS: Final[dict[Group, list[Col]]] = {
    "responsible": [Col("responsible", "overdue.responsible"), *_SUMMARY],
    "project": [_PROJECT, _NAME, *_SUMMARY],
}
REPORT_COLS: Final = [
    _PROJECT,
    _DAYS,
    _WORKING,
    Col("due", "overdue.passport_due", "date", width=130),
    _NAME,
    Col("responsible", "col.projects.project_manager"),
    Col("curator", "col.projects.curator"),
]
COMPLETED_LATE_COLS: Final = [
    Col("activity_id", "col.activities.activity_id"),
    Col("project_id", "col.activities.project_id"),
    Col("name", "col.activities.name"),
    Col("responsible", "col.activities.responsible"),
    Col("planned_end", "col.activities.planned_end", "date"),
    Col("actual_end", "col.activities.actual_end", "date"),
    Col("days_late", "overdue.days_late", "int"),
    Col("working_days_late", "overdue.working_days_late", "int"),
]
EVALUATIONS_LATE_COLS: Final = [
    _PROJECT,
    _NAME,
    Col("completed_on", "col.projects.completed_on", "date"),
    Col("due", "overdue.report_due", "date"),
    Col("submitted_on", "col.evaluations.submitted_on", "date"),
    Col("days_late", "overdue.days_late", "int"),
    Col("working_days_late", "overdue.working_days_late", "int"),
]
