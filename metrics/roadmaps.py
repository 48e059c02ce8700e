"""Digital-transformation roadmaps of state bodies and their deadlines (DOMAIN §4.8; DT = the
Government's rules on digital transformation, Decree 881).

A roadmap is drawn up for three years (DT §16), agreed with the office within 10 working days of
its submission (§24), approved by the body's head (§24, no term) and published within 3 working
days (§25). The re-engineering of business processes then runs on working-day clocks: the project
team within 10 of the first approval (§37), the notice of the review within 2 of the team (§38),
the plan-schedule within 5 of the team (§39) and entered in the PM information system within 3 of
its approval (§40), the target business-process variant published within 3 of its approval (§45).
The office reviews the evaluation of each roadmap at least once a half-year (§34). A change goes
through agreement, approval and publication again (§52); a change on ground 6 is allowed at most
once in 6 months after the previous approval (§51.6).

Readings (DOMAIN §4.8): a clock counts working days strictly after the event that starts it; a
step due on the as-of date is not yet overdue; events after the as-of date are ignored; a
resubmission after rework starts a new §24 clock; publication is done when the last of the three
placements is made; §37 runs from the first approval; §34 asks for one review per calendar
half-year after the half-year of the first approval; §51.6 is violated when a ground-6 change is
approved within (P, P + 6 months] of the previous approval P of any kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd

from .calendar import Calendar
from .common import NO_FILTERS, SCOPE_CTE, ColumnType, Context, Filters, context, typed
from .settings import Settings

#: each step: the paragraph, the term in working days (None: no term), what starts the clock and
#: what ends it
STEPS: Final[dict[str, tuple[str, int | None]]] = {
    "review": ("§24", 10),
    "approval": ("§24", None),
    "publication": ("§25", 3),
    "team": ("§37", 10),
    "notice": ("§38", 2),
    "schedule": ("§39", 5),
    "entry": ("§40", 3),
    "target_publication": ("§45", 3),
    "evaluation": ("§34", None),
}
PLACEMENTS: Final = ("published_portal", "published_site", "published_pmis")
#: states of a step: done in time, done late, past its due date and not done, open and not yet
#: due; ``no_term`` for the head's approval, which has no term (its time taken is shown)
STATES: Final = ("on_time", "late", "overdue", "due", "no_term")
GROUND_ONCE: Final = "6"
MONTHS_BETWEEN: Final = 6

STEP_COLUMNS: Final[dict[str, ColumnType]] = {
    "roadmap_id": "text",
    "agency": "text",
    "roadmap_name": "text",
    "change_id": "text",
    "step": "text",
    "paragraph": "text",
    "started": "date",
    "due": "date",
    "done_on": "date",
    "state": "text",
    "working_days_late": "int",
    "working_days_taken": "int",
    "responsible": "text",
}
VIOLATION_COLUMNS: Final[dict[str, ColumnType]] = {
    "roadmap_id": "text",
    "agency": "text",
    "change_id": "text",
    "approved_on": "date",
    "previous_approval": "date",
    "previous_change_id": "text",
    "allowed_from": "date",
}
DIRECTION_COLUMNS: Final[dict[str, ColumnType]] = {
    "roadmap_id": "text",
    "direction_id": "text",
    "name": "text",
    "project_id": "text",
    "financed": "float",
    "additional_funding": "float",
    "total": "float",
    "additional_share": "float",
    "indicators": "int",
}
CRITERIA: Final = (
    "citizen_satisfaction",
    "government_cost",
    "transparency",
    "anti_corruption",
    "security_sovereignty",
)
CRITERION_COLUMNS: Final[dict[str, ColumnType]] = {
    "roadmap_id": "text",
    "criterion": "text",
    "indicators": "int",
    "share": "float",
}
ROADMAP_COLUMNS: Final[dict[str, ColumnType]] = {
    "roadmap_id": "text",
    "agency": "text",
    "name": "text",
    "period_from": "int",
    "period_to": "int",
    "version": "text",
    "deputy_head": "text",
    "first_approved": "date",
    "next_step": "text",
    "next_change_id": "text",
    "next_due": "date",
    "overdue_steps": "int",
    "late_steps": "int",
    "violations": "int",
    "financed": "float",
    "additional_funding": "float",
}
AGENCY_COLUMNS: Final[dict[str, ColumnType]] = {
    "agency": "text",
    "roadmaps": "int",
    "overdue_steps": "int",
    "late_steps": "int",
    "violations": "int",
    "financed": "float",
    "additional_funding": "float",
}


@dataclass(frozen=True)
class RoadmapPicture:
    """Every roadmap in scope as of a date."""

    as_of: dt.date
    roadmaps: pd.DataFrame  # ROADMAP_COLUMNS: one row per roadmap, worst first
    steps: pd.DataFrame  # STEP_COLUMNS: every step started, in order
    violations: pd.DataFrame  # VIOLATION_COLUMNS: DT §51.6
    directions: pd.DataFrame  # DIRECTION_COLUMNS: DT §17.2
    criteria: pd.DataFrame  # CRITERION_COLUMNS: DT §19, the share of each criterion per roadmap
    agencies: pd.DataFrame  # AGENCY_COLUMNS: the roll-up by state body


# --------------------------------------------------------------------------------------------
# Reading the store


_ROADMAPS_SQL: Final = """
SELECT r.* FROM roadmaps r
WHERE NOT $filtered
   OR r.roadmap_id IN (
        SELECT d.roadmap_id FROM roadmap_directions d JOIN scope s ON s.project_id = d.project_id
        UNION
        SELECT d.roadmap_id FROM roadmap_directions d JOIN indicators i ON i.direction_id = d.direction_id
        JOIN scope s ON s.project_id = i.project_id)
ORDER BY r.roadmap_id
"""


def _load(ctx: Context) -> dict[str, pd.DataFrame]:
    """The roadmaps in scope and their events (up to the as-of date), changes, directions and
    the indicators of their directions."""
    roadmaps = ctx.query(f"WITH {SCOPE_CTE} {_ROADMAPS_SQL}", filtered=ctx.filters != NO_FILTERS)
    ids = list(roadmaps["roadmap_id"])
    return {
        "roadmaps": roadmaps,
        "events": ctx.query(
            "SELECT roadmap_id, kind, event_date, change_id FROM roadmap_events "
            "WHERE list_contains($ids, roadmap_id) AND event_date <= $as_of ORDER BY event_date, kind",
            ids=ids,
        ),
        "changes": ctx.query(
            "SELECT change_id, roadmap_id, ground, description FROM roadmap_changes "
            "WHERE list_contains($ids, roadmap_id) ORDER BY change_id",
            ids=ids,
        ),
        "directions": ctx.query(
            "SELECT d.roadmap_id, d.direction_id, d.name, d.project_id, d.financed, d.additional_funding, "
            "(SELECT count(*) FROM indicators i WHERE i.direction_id = d.direction_id) AS indicators "
            "FROM roadmap_directions d WHERE list_contains($ids, d.roadmap_id) ORDER BY d.roadmap_id, d.direction_id",
            ids=ids,
        ),
        "indicators": ctx.query(
            "SELECT d.roadmap_id, i.indicator_id, i.criterion FROM indicators i "
            "JOIN roadmap_directions d ON d.direction_id = i.direction_id WHERE list_contains($ids, d.roadmap_id)",
            ids=ids,
        ),
    }


# --------------------------------------------------------------------------------------------
# The steps of one roadmap


class _Clock:
    """Working-day arithmetic on the settings' calendar, one date at a time."""

    def __init__(self, calendar: Calendar, as_of: dt.date) -> None:
        self.calendar = calendar
        self.as_of = as_of

    def due(self, start: dt.date, days: int) -> dt.date:
        day = self.calendar.nth_after(start, days)[0]
        return pd.Timestamp(day).date()

    def between(self, after: dt.date, until: dt.date) -> int:
        return int(self.calendar.between(after, until)[0])

    def judged(self, started: dt.date, due: dt.date | None, done: dt.date | None) -> tuple[str, int | None, int]:
        """State, working days late, working days taken (to the as-of date while open)."""
        taken = self.between(started, done or self.as_of)
        if due is None:
            return "no_term", None, taken
        if done is not None:
            return ("on_time", None, taken) if done <= due else ("late", self.between(due, done), taken)
        if due < self.as_of:
            return "overdue", self.between(due, self.as_of), taken
        return "due", None, taken


#: one event: its kind, its day and the change it belongs to (None: the roadmap itself)
Event = tuple[str, dt.date, str | None]


def _days_of(events: list[Event], kinds: Iterable[str]) -> list[dt.date]:
    wanted = set(kinds)
    return sorted(day for kind, day, _ in events if kind in wanted)


def _first(events: list[Event], kinds: Iterable[str], on_or_after: dt.date | None = None) -> dt.date | None:
    """The first event of ``kinds`` (on or after a day)."""
    return next((d for d in _days_of(events, kinds) if on_or_after is None or d >= on_or_after), None)


def _cycle_steps(events: list[Event], clock: _Clock) -> list[dict[str, Any]]:
    """Agreement, approval and publication of the original or of one change (DT §24–25, §52)."""
    out: list[dict[str, Any]] = []
    submitted = sorted(set(_days_of(events, ["submitted"])))
    decisions = _days_of(events, ["agreed", "rework"])
    for i, start in enumerate(submitted):
        following = submitted[i + 1] if i + 1 < len(submitted) else None
        done = next((d for d in decisions if d >= start and (following is None or d < following)), None)
        if done is None and following is not None:
            continue  # submitted again before any answer: the earlier draft was withdrawn
        out.append(_step("review", start, clock.due(start, 10), done, clock))
    agreed = max(_days_of(events, ["agreed"]), default=None)
    approved = _first(events, ["approved"], agreed)
    if agreed is not None:
        out.append(_step("approval", agreed, None, approved, clock))
    if approved is not None:
        placed = [_first(events, [k], approved) for k in PLACEMENTS]
        done = None if any(p is None for p in placed) else max(p for p in placed if p is not None)
        out.append(_step("publication", approved, clock.due(approved, 3), done, clock))
    return out


def _step(step: str, started: dt.date, due: dt.date | None, done: dt.date | None, clock: _Clock) -> dict[str, Any]:
    state, late, taken = clock.judged(started, due, done)
    return {
        "step": step,
        "paragraph": STEPS[step][0],
        "started": started,
        "due": due,
        "done_on": done,
        "state": state,
        "working_days_late": late,
        "working_days_taken": taken,
    }


def _reengineering_steps(events: list[Event], first_approval: dt.date, clock: _Clock) -> list[dict[str, Any]]:
    """DT §37–40 and §45: the clocks that follow the roadmap's first approval."""
    out = [
        _step(
            "team",
            first_approval,
            clock.due(first_approval, 10),
            _first(events, ["team_formed"], first_approval),
            clock,
        )
    ]
    team = out[0]["done_on"]
    if team is not None:
        out.append(_step("notice", team, clock.due(team, 2), _first(events, ["notice_posted"], team), clock))
        out.append(_step("schedule", team, clock.due(team, 5), _first(events, ["schedule_drafted"], team), clock))
    approved = _first(events, ["schedule_approved"], first_approval)
    if approved is not None:
        out.append(
            _step("entry", approved, clock.due(approved, 3), _first(events, ["schedule_entered"], approved), clock)
        )
    target = _first(events, ["target_approved"], first_approval)
    if target is not None:
        done = _first(events, ["target_published"], target)
        out.append(_step("target_publication", target, clock.due(target, 3), done, clock))
    return out


def half_years(first_approval: dt.date, as_of: dt.date, last_year: int) -> list[tuple[dt.date, dt.date]]:
    """The calendar half-years after the one of the first approval, up to the as-of date's and
    not past the roadmap's period (DT §34)."""
    start = dt.date(first_approval.year, 7, 1) if first_approval.month <= 6 else dt.date(first_approval.year + 1, 1, 1)
    out = []
    while start <= as_of and start.year <= last_year:
        end = dt.date(start.year, 6, 30) if start.month == 1 else dt.date(start.year, 12, 31)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


def _evaluation_steps(
    events: list[Event], first_approval: dt.date, last_year: int, clock: _Clock
) -> list[dict[str, Any]]:
    """One review of the evaluation per half-year (DT §34): due on the half-year's last day."""
    out = []
    reviewed = _days_of(events, ["evaluation_reviewed"])
    for start, end in half_years(first_approval, clock.as_of, last_year):
        done = min((d for d in reviewed if start <= d <= end), default=None)
        state = "on_time" if done else "overdue" if end < clock.as_of else "due"
        out.append(
            {
                "step": "evaluation",
                "paragraph": STEPS["evaluation"][0],
                "started": start,
                "due": end,
                "done_on": done,
                "state": state,
                "working_days_late": clock.between(end, clock.as_of) if state == "overdue" else None,
                "working_days_taken": None,
            }
        )
    return out


def violations_of(approvals: list[tuple[dt.date, str | None]], grounds: dict[str, str]) -> list[dict[str, Any]]:
    """DT §51.6: each ground-6 change approved within (P, P + 6 months] of the approval P before
    it (the original or any change). ``approvals``: (date, change id or None for the original)."""
    out = []
    ordered = sorted(approvals, key=lambda a: (a[0], a[1] or ""))
    for i, (day, change) in enumerate(ordered):
        if change is None or grounds.get(change) != GROUND_ONCE:
            continue
        earlier = [a for a in ordered[:i] if a[0] < day]
        if not earlier:
            continue
        previous, previous_change = earlier[-1]
        limit = (pd.Timestamp(previous) + pd.DateOffset(months=MONTHS_BETWEEN)).date()
        if day <= limit:
            out.append(
                {
                    "change_id": change,
                    "approved_on": day,
                    "previous_approval": previous,
                    "previous_change_id": previous_change,
                    "allowed_from": limit + dt.timedelta(days=1),
                }
            )
    return out


# --------------------------------------------------------------------------------------------
# The picture


def roadmap_picture(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> RoadmapPicture:
    """Every roadmap in scope as of ``as_of``: its steps with their deadlines and states, the next
    due step, the §51.6 violations, the financed and unfinanced totals by direction (§17.2) and
    the share of its effectiveness indicators per §19 criterion. With filters, the roadmaps whose
    directions (or their indicators) belong to a project in scope."""
    return picture_of(context(con, as_of, filters, settings))


def picture_of(ctx: Context) -> RoadmapPicture:
    """``roadmap_picture`` on a metrics context (its connection, date, filters and calendar),
    computed once per context (the overdue table and the report share it)."""
    return ctx.memo("roadmap_picture", lambda: _compute(ctx))


def _compute(ctx: Context) -> RoadmapPicture:
    as_of = ctx.as_of
    data = _load(ctx)
    clock = _Clock(ctx.calendar, as_of)
    roadmaps, events, changes = data["roadmaps"], data["events"], data["changes"]
    by_roadmap: dict[str, list[Event]] = {}
    for rid, kind, day, change in zip(
        events["roadmap_id"], events["kind"], events["event_date"], events["change_id"], strict=True
    ):
        by_roadmap.setdefault(str(rid), []).append(
            (str(kind), pd.Timestamp(day).date(), None if change is None or pd.isna(change) else str(change))
        )
    grounds = dict(zip(changes["change_id"], changes["ground"].astype(str), strict=True))
    steps: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    for r in roadmaps.to_dict("records"):
        rid = r["roadmap_id"]
        mine = by_roadmap.get(rid, [])
        base = {"roadmap_id": rid, "agency": r["agency"], "roadmap_name": r["name"], "responsible": r["deputy_head"]}
        original = [e for e in mine if e[2] is None]
        for s in _cycle_steps(original, clock):
            steps.append(base | {"change_id": None} | s)
        first_approval = _first(original, ["approved"])
        if first_approval is not None:
            for s in _reengineering_steps(mine, first_approval, clock):
                steps.append(base | {"change_id": None} | s)
            for s in _evaluation_steps(mine, first_approval, int(r["period_to"]), clock):
                steps.append(base | {"change_id": None} | s)
        approvals: list[tuple[dt.date, str | None]] = [(first_approval, None)] if first_approval else []
        for change in changes.loc[changes["roadmap_id"] == rid, "change_id"]:
            cycle = [e for e in mine if e[2] == change]
            for s in _cycle_steps(cycle, clock):
                steps.append(base | {"change_id": change} | s)
            approved = _first(cycle, ["approved"])
            if approved is not None:
                approvals.append((approved, str(change)))
        for v in violations_of(approvals, grounds):
            violations.append({"roadmap_id": rid, "agency": r["agency"]} | v)
    step_frame = typed(pd.DataFrame(steps), STEP_COLUMNS)
    violation_frame = typed(pd.DataFrame(violations), VIOLATION_COLUMNS)
    directions = _directions(data["directions"])
    criteria = _criteria(data["indicators"], list(roadmaps["roadmap_id"]))
    summary = _summary(roadmaps, step_frame, violation_frame, directions, as_of)
    return RoadmapPicture(as_of, summary, step_frame, violation_frame, directions, criteria, _agencies(summary))


def _directions(df: pd.DataFrame) -> pd.DataFrame:
    financed = pd.to_numeric(df["financed"], errors="coerce").fillna(0.0)
    extra = pd.to_numeric(df["additional_funding"], errors="coerce").fillna(0.0)
    total = financed + extra
    out = df.assign(
        financed=financed,
        additional_funding=extra,
        total=total,
        additional_share=(extra / total.where(total > 0)).astype("float64"),
    )
    return typed(out, DIRECTION_COLUMNS)


def _criteria(indicators: pd.DataFrame, roadmap_ids: list[str]) -> pd.DataFrame:
    """Per roadmap, how many of its directions' indicators measure each §19 criterion, and the
    share of all its indicators (those tied to no criterion are counted under ``none``)."""
    rows = []
    for rid in roadmap_ids:
        mine = indicators[indicators["roadmap_id"] == rid]
        total = len(mine)
        counts = mine["criterion"].fillna("none").value_counts()
        for criterion in (*CRITERIA, "none"):
            n = int(counts.get(criterion, 0))
            if criterion == "none" and n == 0:
                continue
            rows.append(
                {"roadmap_id": rid, "criterion": criterion, "indicators": n, "share": n / total if total else None}
            )
    return typed(pd.DataFrame(rows), CRITERION_COLUMNS)


def _summary(
    roadmaps: pd.DataFrame, steps: pd.DataFrame, violations: pd.DataFrame, directions: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    rows = []
    for r in roadmaps.to_dict("records"):
        mine = steps[steps["roadmap_id"] == r["roadmap_id"]]
        approved = mine[(mine["step"] == "publication") & mine["change_id"].isna()]
        upcoming = mine[(mine["state"] == "due") & (mine["due"] >= pd.Timestamp(as_of))].sort_values(["due", "step"])
        nxt = upcoming.iloc[0] if not upcoming.empty else None
        funds = directions[directions["roadmap_id"] == r["roadmap_id"]]
        rows.append(
            r
            | {
                "first_approved": approved["started"].min() if not approved.empty else None,
                "next_step": None if nxt is None else nxt["step"],
                "next_change_id": None if nxt is None else nxt["change_id"],
                "next_due": None if nxt is None else nxt["due"],
                "overdue_steps": int((mine["state"] == "overdue").sum()),
                "late_steps": int((mine["state"] == "late").sum()),
                "violations": int((violations["roadmap_id"] == r["roadmap_id"]).sum()),
                "financed": float(funds["financed"].sum()),
                "additional_funding": float(funds["additional_funding"].sum()),
            }
        )
    out = typed(pd.DataFrame(rows), ROADMAP_COLUMNS)
    if out.empty:
        return out
    rank = -(out["overdue_steps"] * 100 + out["violations"] * 10 + out["late_steps"])
    return out.assign(_rank=rank).sort_values(["_rank", "roadmap_id"]).drop(columns="_rank").reset_index(drop=True)


def _agencies(summary: pd.DataFrame) -> pd.DataFrame:
    if summary.empty:
        return typed(pd.DataFrame(), AGENCY_COLUMNS)
    grouped = summary.groupby("agency", sort=True).agg(
        roadmaps=("roadmap_id", "count"),
        overdue_steps=("overdue_steps", "sum"),
        late_steps=("late_steps", "sum"),
        violations=("violations", "sum"),
        financed=("financed", "sum"),
        additional_funding=("additional_funding", "sum"),
    )
    return typed(grouped.reset_index(), AGENCY_COLUMNS)


def overdue_steps(picture: RoadmapPicture) -> pd.DataFrame:
    """The steps past their due date and not done, as rows of the Overdue table (kind
    ``roadmap_step``): the item is the roadmap, its change and the paragraph."""
    late = picture.steps[picture.steps["state"] == "overdue"]
    item = late["roadmap_id"] + np.where(late["change_id"].notna(), "/" + late["change_id"].fillna(""), "")
    return pd.DataFrame(
        {
            "kind": "roadmap_step",
            "item_id": item + " " + late["paragraph"],
            "project_id": None,
            "project_name": None,
            "title": late["roadmap_name"],
            "responsible": late["responsible"],
            "due": late["due"],
            "days_overdue": (pd.Timestamp(picture.as_of) - late["due"]).dt.days,
            "working_days_overdue": late["working_days_late"],
            "step": late["step"],
            "agency": late["agency"],
        }
    ).reset_index(drop=True)


_PROJECT_DIRECTIONS_SQL: Final = """
SELECT DISTINCT d.direction_id, d.roadmap_id, d.name AS direction,
       d.project_id = $pid AS direct, d.financed, d.additional_funding
FROM roadmap_directions d
WHERE d.project_id = $pid
   OR d.direction_id IN (SELECT direction_id FROM indicators WHERE project_id = $pid AND direction_id IS NOT NULL)
ORDER BY d.roadmap_id, d.direction_id
"""

PROJECT_LINK_COLUMNS: Final[dict[str, ColumnType]] = {
    "roadmap_id": "text",
    "agency": "text",
    "roadmap_name": "text",
    "direction_id": "text",
    "direction": "text",
    "indicators": "list",
    "financed": "float",
    "additional_funding": "float",
    "next_step": "text",
    "next_due": "date",
    "overdue_steps": "int",
    "violations": "int",
}


def project_roadmaps(
    con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date, settings: Settings | None = None
) -> pd.DataFrame:
    """The roadmap directions a project carries out (named on the direction, or through one of
    its indicators), each with its roadmap's next due step, overdue steps and §51.6 violations as
    of ``as_of`` (the passport's "digital transformation" block)."""
    ctx = context(con, as_of, None, settings)
    links = ctx.query(_PROJECT_DIRECTIONS_SQL, pid=project_id)
    if links.empty:
        return typed(links, PROJECT_LINK_COLUMNS)
    ind = ctx.query(
        "SELECT direction_id, list(indicator_id ORDER BY indicator_id) AS indicators FROM indicators "
        "WHERE project_id = $pid AND direction_id IS NOT NULL GROUP BY direction_id",
        pid=project_id,
    )
    summary = picture_of(ctx).roadmaps.rename(columns={"name": "roadmap_name"})
    out = links.merge(ind, on="direction_id", how="left").merge(
        summary[["roadmap_id", "agency", "roadmap_name", "next_step", "next_due", "overdue_steps", "violations"]],
        on="roadmap_id",
        how="left",
    )
    out["indicators"] = out["indicators"].map(lambda v: list(v) if isinstance(v, list | np.ndarray) else [])
    return typed(out, PROJECT_LINK_COLUMNS)
