"""Since the last review: what changed, per project, between two pictures of the portfolio
(Reg §8: the coordinator's monitoring; §34–35: the quarterly and monthly meetings; §45: the
monitoring data).

``digest`` compares two points. Each point is a connection and an as-of date, so both ways of
choosing them work: two as-of dates over one store (the same connection twice: default the last
quarter end and today), or the store as it stood after two batches (two connections, e.g. the
in-memory copies of ``pmo diff --from-batch N --to-batch M``) at one date, or any mix. Both
pictures are computed with the same settings (those of ``con_now`` unless given), so only the
data and the dates differ. Over one store the two dates see what dates change (values,
completions, decisions, team rows starting or ending, submissions, overdue items), not what only
an upload changed (a passport date, a risk's score, a budget amount): the metrics read the current
version of each row.

A change is one row of ``Digest.changes`` (``CHANGE_COLUMNS``): the project, its ``kind``
(``KINDS``), the item and the field that moved, the value ``before`` and ``after``, its
``direction`` (``worse``, ``moved`` or ``better``) and a ``detail`` dict of codes, numbers and
dates (never words: the words come from the catalog, ``digest.*`` in ``i18n/digest.toml``).

The kinds, and what makes one worse or better:

=================== ======================================================= ==================
kind                a row when                                              worse / better
=================== ======================================================= ==================
rag                 the effective RAG (override included) differs; detail   red > amber > green;
                    lists the reasons that ``appeared`` and ``cleared``     to or from no RAG:
                    (codes as in ``rag_reasons``)                           moved
overdue_new         an overdue item (DOMAIN §4.4) not overdue before        worse
overdue_cleared     an overdue item no longer overdue                       better
risk_new_high       a risk open and high now that was not open and high     worse
risk_high_cleared   a risk open and high before that is not now             better (``occurred``:
                                                                            moved)
kpi_index           a project's KPI index moved by at least the setting     a drop / a rise
                    ``digest_kpi_threshold_pp`` (percentage points)
indicator_status    an indicator's status differs (a new indicator without  achieved < on_track <
                    data is not listed)                                     at_risk < off_track <
                                                                            missed; no data: moved
risk_score          an open risk's score (probability × impact) differs     up / down
                    (not listed beside a risk_new_high or
                    risk_high_cleared row of the same risk)
passport_date       the passport's start_date or end_date moved             later / earlier
roadmap_step        a Decree 881 roadmap step's state differs (no project); overdue > late > due >
                    a clock that only started is not listed                 on time
team_allocation     a person's share on the project in force on the as-of   less / more
                    date differs (joined: before None; left: after None)
budget              a budget line's planned or spent differs                moved
change_submitted    a change request submitted (known) now, not before      moved
change_decided      a change request's decision in force differs (a new     moved
                    request only when it is already decided)
=================== ======================================================= ==================

Order, worst first: by direction (worse, moved, better), then by kind in the order of
``KINDS`` (RAG, new overdue items, new high risks, KPI index, indicators, risk scores, passport
dates, roadmap steps, team, budget, change requests), then the larger move first (``severity``:
RAG steps, days overdue, the risk's score, percentage points, status steps, score points, days,
percentage points of allocation, the amount), then project, item and field. ``Digest.projects``
lists the projects with any change in the order of their worst change.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import duckdb
import numpy as np
import pandas as pd

from . import settings as settings_mod
from .common import SCOPE_CTE, Filters, fetch
from .meetings import _NAME_KEY
from .report import Picture, headline, picture
from .settings import Settings

Direction = Literal["worse", "moved", "better"]

#: every kind of change, in the order they are listed within a direction
KINDS: Final = (
    "rag",
    "overdue_new",
    "overdue_cleared",
    "risk_new_high",
    "risk_high_cleared",
    "kpi_index",
    "indicator_status",
    "risk_score",
    "passport_date",
    "roadmap_step",
    "team_allocation",
    "budget",
    "change_submitted",
    "change_decided",
)
DIRECTIONS: Final[tuple[Direction, ...]] = ("worse", "moved", "better")

#: the columns of ``Digest.changes``; ``before``, ``after`` and ``detail`` hold Python values
#: (str codes, floats, ``datetime.date``, None; ``detail`` a dict of such values and lists of codes)
CHANGE_COLUMNS: Final = (
    "project_id",  # None for a roadmap step (a roadmap belongs to a state body)
    "project_name",
    "kind",  # one of KINDS
    "item_id",  # the project, indicator, risk, overdue item, roadmap step, person, budget line, change
    "field",  # what moved: rag, kpi_index, status, the overdue kind, priority, score, start_date, ...
    "before",
    "after",
    "direction",  # worse | moved | better
    "worse",  # direction == "worse"
    "severity",  # how far it moved, in the kind's unit (the order within a kind: larger first)
    "detail",
)
#: the columns of ``Digest.projects``: the projects with any change, in the order of their worst one
PROJECT_COLUMNS: Final = (
    "project_id",
    "project_name",
    "program",
    "rag_before",
    "rag_after",
    "kpi_before",
    "kpi_after",
    "worse",  # how many changes of each direction
    "moved",
    "better",
    "main_kind",  # the kind and direction of its worst change
    "main_direction",
)

_RAG_RANK: Final = {"green": 0, "amber": 1, "red": 2}
_INDICATOR_RANK: Final = {"achieved": 0, "on_track": 1, "at_risk": 2, "off_track": 3, "missed": 4}
#: a roadmap step's state, better to worse; a step not started counts as open and not yet due
_STEP_RANK: Final = {"on_time": 0, "no_term": 0, "due": 1, "late": 2, "overdue": 3}
_EPS: Final = 1e-9


@dataclass(frozen=True)
class Digest:
    """What changed between two points (see the module's docstring for the kinds and the order).

    ``then`` and ``now`` are the two pictures compared (``metrics.report.Picture``): the portfolio
    headline of each is ``metrics.report.headline(digest.then)``."""

    as_of_then: dt.date
    as_of_now: dt.date
    kpi_threshold_pp: float
    changes: pd.DataFrame  # CHANGE_COLUMNS, worst first
    projects: pd.DataFrame  # PROJECT_COLUMNS, the project with the worst change first
    then: Picture
    now: Picture

    def of_project(self, project_id: str) -> pd.DataFrame:
        """The changes of one project, worst first."""
        return self.changes[self.changes["project_id"].eq(project_id)].reset_index(drop=True)

    def of_kind(self, *kinds: str) -> pd.DataFrame:
        """The changes of these kinds, worst first."""
        return self.changes[self.changes["kind"].isin(kinds)].reset_index(drop=True)

    @property
    def worse(self) -> pd.DataFrame:
        """The changes for the worse, worst first."""
        return self.changes[self.changes["worse"]].reset_index(drop=True)


def digest(
    con_then: duckdb.DuckDBPyConnection,
    as_of_then: dt.date,
    con_now: duckdb.DuckDBPyConnection,
    as_of_now: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> Digest:
    """Per project what changed from (``con_then``, ``as_of_then``) to (``con_now``,
    ``as_of_now``): RAG with the reasons that appeared or cleared, KPI index moves of at least
    ``digest_kpi_threshold_pp``, indicator statuses, overdue items new and cleared, new high
    risks and moved risk scores, passport dates, team allocation, budget lines, change requests
    submitted or decided, roadmap steps; worst first (Reg §8, §34–35, §45)."""
    s = settings or settings_mod.load(con_now)
    then = picture(con_then, as_of_then, filters, s)
    now = picture(con_now, as_of_now, filters, s)
    f = filters or Filters()
    threshold = float(s.digest_kpi_threshold_pp)
    rows: list[dict[str, Any]] = [
        *_rag(then, now),
        *_kpi(then, now, threshold),
        *_indicators(then, now),
        *_overdue(then, now),
        *_risks(then, now),
        *_passport(then, now),
        *_roadmap_steps(then, now),
        *_budget(then, now),
        *_team(_team_rows(con_then, as_of_then, f), _team_rows(con_now, as_of_now, f)),
        *_change_requests(_change_rows(con_then, as_of_then, f), _change_rows(con_now, as_of_now, f)),
    ]
    names = {**_names(then.status), **_names(now.status)}
    for row in rows:
        row["project_name"] = names.get(row["project_id"]) if row["project_id"] is not None else None
    rows.sort(key=order_key)
    changes = _frame(rows)
    return Digest(as_of_then, as_of_now, threshold, changes, _summary(changes, then, now), then, now)


def order_key(row: Mapping[str, Any]) -> tuple[int, int, float, int, str, str, str]:
    """Worst first: direction, kind (``KINDS``), the larger move, then project, item, field."""
    pid = row["project_id"]
    return (
        DIRECTIONS.index(row["direction"]),
        KINDS.index(row["kind"]),
        -float(row["severity"]),
        pid is None,
        str(pid or ""),
        str(row["item_id"] or ""),
        str(row["field"] or ""),
    )


# --------------------------------------------------------------------------------------------
# Values


def _none(v: Any) -> bool:
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    return isinstance(v, float | np.floating) and math.isnan(float(v))


def _day(v: Any) -> dt.date | None:
    return None if _none(v) else pd.Timestamp(v).date()


def _num(v: Any) -> float | None:
    return None if _none(v) else float(v)


def _text(v: Any) -> str | None:
    return None if _none(v) else str(v)


def _codes(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list | tuple | np.ndarray) else []


def _by(frame: pd.DataFrame, key: str | list[str]) -> dict[Any, dict[str, Any]]:
    """Rows of ``frame`` as dicts keyed by ``key`` (a column, or a tuple of columns)."""
    if not len(frame):
        return {}
    records = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    if isinstance(key, str):
        return {r[key]: r for r in records}
    return {tuple(None if _none(r[k]) else r[k] for k in key): r for r in records}


def _names(status: pd.DataFrame) -> dict[str, str | None]:
    return dict(zip(status["project_id"], (_text(n) for n in status["name"]), strict=True))


def _change(
    kind: str,
    project_id: str | None,
    item_id: str | None,
    field: str,
    before: Any,
    after: Any,
    direction: Direction,
    severity: float = 0.0,
    **detail: Any,
) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "kind": kind,
        "item_id": item_id,
        "field": field,
        "before": before,
        "after": after,
        "direction": direction,
        "worse": direction == "worse",
        "severity": abs(float(severity)),
        "detail": detail,
    }


def _ranked(before: int | None, after: int | None) -> tuple[Direction, float]:
    """worse when the rank rose, better when it fell; moved when either has none."""
    if before is None or after is None:
        return "moved", 0.0
    if after > before:
        return "worse", after - before
    if after < before:
        return "better", before - after
    return "moved", 0.0


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in CHANGE_COLUMNS}
    data["worse"] = pd.Series([bool(r["worse"]) for r in rows], dtype=bool)
    data["severity"] = pd.Series([float(r["severity"]) for r in rows], dtype="float64")
    return pd.DataFrame(data, columns=list(CHANGE_COLUMNS))


# --------------------------------------------------------------------------------------------
# The kinds


def _rag(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """The effective RAG (DOMAIN §4.6) then → now, with the reasons that appeared and cleared."""
    b, a = _by(then.status, "project_id"), _by(now.status, "project_id")
    for pid in sorted(set(b) | set(a)):
        rb, ra = (_text(x.get("rag_effective")) if x else None for x in (b.get(pid), a.get(pid)))
        if rb == ra:
            continue
        reasons_b = _codes((b.get(pid) or {}).get("rag_reasons"))
        reasons_a = _codes((a.get(pid) or {}).get("rag_reasons"))
        direction, steps = _ranked(_RAG_RANK.get(rb or ""), _RAG_RANK.get(ra or ""))
        yield _change(
            "rag",
            pid,
            pid,
            "rag",
            rb,
            ra,
            direction,
            steps,
            appeared=[r for r in reasons_a if r not in reasons_b],
            cleared=[r for r in reasons_b if r not in reasons_a],
            override_before=_text((b.get(pid) or {}).get("rag_override")),
            override_after=_text((a.get(pid) or {}).get("rag_override")),
        )


def _kpi(then: Picture, now: Picture, threshold_pp: float) -> Iterable[dict[str, Any]]:
    """A project's KPI index (DOMAIN §4.1) moved by at least ``threshold_pp`` percentage points."""
    b, a = _by(then.status, "project_id"), _by(now.status, "project_id")
    for pid in sorted(set(b) & set(a)):
        kb, ka = _num(b[pid]["kpi_index"]), _num(a[pid]["kpi_index"])
        if kb is None or ka is None:
            continue
        delta = round((ka - kb) * 100, 6)
        if delta == 0 or abs(delta) + _EPS < threshold_pp:
            continue
        yield _change(
            "kpi_index", pid, pid, "kpi_index", kb, ka, "worse" if delta < 0 else "better", delta, delta_pp=delta
        )


def _indicators(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """An indicator's status (DOMAIN §4.1) then → now."""
    b, a = _by(then.indicators, "indicator_id"), _by(now.indicators, "indicator_id")
    for iid in sorted(set(b) | set(a)):
        xb, xa = b.get(iid), a.get(iid)
        sb = _text(xb["status"]) if xb else None
        sa = _text(xa["status"]) if xa else None
        if sb == sa or {sb, sa} == {None, "no_data"}:
            continue
        row = xa or xb
        assert row is not None
        direction, steps = _ranked(_INDICATOR_RANK.get(sb or ""), _INDICATOR_RANK.get(sa or ""))
        yield _change(
            "indicator_status",
            _text(row["project_id"]),
            iid,
            "status",
            sb,
            sa,
            direction,
            steps,
            name=_text(row["name"]),
            achievement_before=_num(xb["achievement"]) if xb else None,
            achievement_after=_num(xa["achievement"]) if xa else None,
        )


def _overdue(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """Overdue items (DOMAIN §4.4) that appeared or cleared; a roadmap step is a ``roadmap_step``."""

    def items(pic: Picture) -> dict[Any, dict[str, Any]]:
        return _by(pic.overdue[pic.overdue["kind"].ne("roadmap_step")], ["kind", "item_id"])

    b, a = items(then), items(now)
    for key in sorted(set(a) - set(b), key=str):
        x = a[key]
        yield _change(
            "overdue_new",
            _text(x["project_id"]),
            key[1],
            key[0],
            None,
            _day(x["due"]),
            "worse",
            _num(x["days_overdue"]) or 0.0,
            **_overdue_detail(x),
        )
    for key in sorted(set(b) - set(a), key=str):
        x = b[key]
        yield _change(
            "overdue_cleared",
            _text(x["project_id"]),
            key[1],
            key[0],
            _day(x["due"]),
            None,
            "better",
            _num(x["days_overdue"]) or 0.0,
            **_overdue_detail(x),
        )


def _overdue_detail(x: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": _text(x["title"]),
        "responsible": _text(x["responsible"]),
        "due": _day(x["due"]),
        "days_overdue": _num(x["days_overdue"]),
    }


def _risks(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """Risks (DOMAIN §4.2) newly open and high, no longer open and high, or whose score moved."""
    b, a = _by(then.risks, "risk_id"), _by(now.risks, "risk_id")

    def high(x: Mapping[str, Any] | None) -> bool:
        return x is not None and bool(x["is_open"]) and x["priority"] == "high"

    for rid in sorted(set(b) | set(a)):
        xb, xa = b.get(rid), a.get(rid)
        row = xa or xb
        assert row is not None
        pid = _text(row["project_id"])
        score_b = _num(xb["score"]) if xb else None
        score_a = _num(xa["score"]) if xa else None
        detail = {
            "title": _text(row["title"]),
            "score_before": score_b,
            "score_after": score_a,
            "open_before": bool(xb["is_open"]) if xb else None,
            "open_after": bool(xa["is_open"]) if xa else None,
            "status_after": _text(xa["status"]) if xa else None,
        }
        pb = _text(xb["priority"]) if xb else None
        pa = _text(xa["priority"]) if xa else None
        if high(xa) and not high(xb):
            yield _change("risk_new_high", pid, rid, "priority", pb, pa, "worse", score_a or 0.0, **detail)
        elif high(xb) and not high(xa):
            occurred = xa is not None and xa["status"] == "occurred"
            yield _change(
                "risk_high_cleared",
                pid,
                rid,
                "priority",
                pb,
                pa,
                "moved" if occurred else "better",
                score_b or 0.0,
                **detail,
            )
        elif xb and xa and (xb["is_open"] or xa["is_open"]) and score_b != score_a:
            if score_b is None or score_a is None:
                continue
            detail.update(
                probability_before=_num(xb["probability"]),
                probability_after=_num(xa["probability"]),
                impact_before=_num(xb["impact"]),
                impact_after=_num(xa["impact"]),
                priority_before=pb,
                priority_after=pa,
            )
            yield _change(
                "risk_score",
                pid,
                rid,
                "score",
                score_b,
                score_a,
                "worse" if score_a > score_b else "better",
                score_a - score_b,
                **detail,
            )


def _passport(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """The passport's start and end dates (Reg §23, §30) of a project in both pictures: later is a slip."""
    b, a = _by(then.status, "project_id"), _by(now.status, "project_id")
    for pid in sorted(set(b) & set(a)):
        for field in ("start_date", "end_date"):
            db, da = _day(b[pid][field]), _day(a[pid][field])
            if db == da:
                continue
            days = (da - db).days if db and da else 0
            direction: Direction = "moved" if not days else "worse" if days > 0 else "better"
            yield _change("passport_date", pid, pid, field, db, da, direction, days, days=days if db and da else None)


def _roadmap_steps(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """A Decree 881 roadmap step whose state changed (DT §24–25, §34, §37–40, §45); a step that
    only started (now open, not yet due or without a term) is not a change."""
    key = ["roadmap_id", "change_id", "step", "started"]
    b, a = _by(then.roadmaps.steps, key), _by(now.roadmaps.steps, key)
    for k in sorted(set(b) | set(a), key=str):
        xb, xa = b.get(k), a.get(k)
        sb = _text(xb["state"]) if xb else None
        sa = _text(xa["state"]) if xa else None
        if sb == sa or (sb is None and sa in ("due", "no_term")) or (sa is None and sb in ("due", "no_term")):
            continue
        row = xa or xb
        assert row is not None
        rid, cid = str(row["roadmap_id"]), _text(row["change_id"])
        item = f"{rid}/{cid}" if cid else rid
        direction, steps = _ranked(_STEP_RANK.get(sb or "due"), _STEP_RANK.get(sa or "due"))
        yield _change(
            "roadmap_step",
            None,
            f"{item} {row['paragraph']}",
            str(row["step"]),
            sb,
            sa,
            direction,
            steps,
            roadmap_id=rid,
            change_id=cid,
            paragraph=_text(row["paragraph"]),
            started=_day(row["started"]),
            due=_day(row["due"]),
            done_on=_day(xa["done_on"]) if xa else None,
        )


def _budget(then: Picture, now: Picture) -> Iterable[dict[str, Any]]:
    """A budget line's planned or spent (Reg §26, §29; DT §17.2) then → now."""
    key = ["project_id", "year", "funding_source"]
    b, a = _by(then.budget, key), _by(now.budget, key)
    for k in sorted(set(b) | set(a), key=str):
        xb, xa = b.get(k), a.get(k)
        pid, year, source = k
        for field in ("planned", "spent"):
            vb = _num(xb[field]) if xb else None
            va = _num(xa[field]) if xa else None
            if vb == va:
                continue
            yield _change(
                "budget",
                pid,
                f"{int(year)} {source}",
                field,
                vb,
                va,
                "moved",
                (va or 0.0) - (vb or 0.0),
                year=int(year),
                funding_source=source,
            )


def _team_rows(con: duckdb.DuckDBPyConnection, as_of: dt.date, f: Filters) -> pd.DataFrame:
    """Per project and person (names compared ignoring case and spaces) the share of working time
    released to the project in force on the as-of date (Reg §10, §17), with the roles."""
    sql = f"""
    WITH {SCOPE_CTE}
    SELECT t.project_id, {_NAME_KEY.format(col="t.person")} AS pkey, min(t.person) AS person,
           sum(t.allocation_pct) AS allocation_pct, list_sort(list_distinct(list(t.role))) AS roles
    FROM team t JOIN scope s USING (project_id)
    WHERE (t.from_date IS NULL OR t.from_date <= $as_of) AND (t.to_date IS NULL OR t.to_date >= $as_of)
    GROUP BY ALL
    """
    return fetch(con, sql, {**f.params(), "as_of": as_of})


def _team(before: pd.DataFrame, after: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """A person's share on a project then → now: less is worse (the project lost capacity)."""
    key = ["project_id", "pkey"]
    b, a = _by(before, key), _by(after, key)
    for k in sorted(set(b) | set(a), key=str):
        xb, xa = b.get(k), a.get(k)
        vb = _num(xb["allocation_pct"]) if xb else None
        va = _num(xa["allocation_pct"]) if xa else None
        if vb == va:
            continue
        row = xa or xb
        assert row is not None
        delta = (va or 0.0) - (vb or 0.0)
        direction: Direction = "worse" if delta < 0 else "better" if delta > 0 else "moved"
        yield _change(
            "team_allocation",
            k[0],
            str(row["person"]),
            "allocation_pct",
            vb,
            va,
            direction,
            delta,
            person=str(row["person"]),
            roles=_codes(row["roles"]),
        )


def _change_rows(con: duckdb.DuckDBPyConnection, as_of: dt.date, f: Filters) -> pd.DataFrame:
    """Change requests submitted by the as-of date with the decision in force then: a blank one,
    or one dated after it, is pending (Reg §30, §39–40; as ``metrics.passport.changes``)."""
    sql = f"""
    WITH {SCOPE_CTE}
    SELECT c.change_id, c.project_id, c.submitted_on, c.description, c.decided_on,
           CASE WHEN c.decision IN ('approved', 'rejected') AND coalesce(c.decided_on <= $as_of, true)
                THEN c.decision ELSE 'pending' END AS decision
    FROM changes c JOIN scope s USING (project_id)
    WHERE c.submitted_on <= $as_of
    """
    return fetch(con, sql, {**f.params(), "as_of": as_of})


def _change_requests(before: pd.DataFrame, after: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """Change requests submitted, and decisions taken (or changed), between the two points."""
    b, a = _by(before, "change_id"), _by(after, "change_id")
    for cid in sorted(a):
        x = a[cid]
        pid = _text(x["project_id"])
        description = _text(x["description"])
        if cid not in b:
            yield _change(
                "change_submitted",
                pid,
                cid,
                "submitted_on",
                None,
                _day(x["submitted_on"]),
                "moved",
                description=description,
                decision=_text(x["decision"]),
            )
        db = _text(b[cid]["decision"]) if cid in b else None
        da = _text(x["decision"])
        if da != db and not (db is None and da == "pending"):
            yield _change(
                "change_decided",
                pid,
                cid,
                "decision",
                db,
                da,
                "moved",
                description=description,
                decided_on=_day(x["decided_on"]) if da != "pending" else None,
            )


# --------------------------------------------------------------------------------------------
# The projects


def _summary(changes: pd.DataFrame, then: Picture, now: Picture) -> pd.DataFrame:
    """Per project with any change: its RAG and KPI index at both points and its changes counted
    by direction, in the order of its worst change."""
    b, a = _by(then.status, "project_id"), _by(now.status, "project_id")
    rows: list[dict[str, Any]] = []
    with_project = changes[changes["project_id"].notna()]
    for pid, group in with_project.groupby("project_id", sort=False):
        xb, xa = b.get(pid), a.get(pid)
        row = xa or xb
        counts = group["direction"].value_counts()
        rows.append(
            {
                "project_id": pid,
                "project_name": _text(row["name"]) if row else None,
                "program": _text(row["program"]) if row else None,
                "rag_before": _text(xb["rag_effective"]) if xb else None,
                "rag_after": _text(xa["rag_effective"]) if xa else None,
                "kpi_before": _num(xb["kpi_index"]) if xb else None,
                "kpi_after": _num(xa["kpi_index"]) if xa else None,
                **{d: int(counts.get(d, 0)) for d in DIRECTIONS},
                "main_kind": group["kind"].iat[0],
                "main_direction": group["direction"].iat[0],
            }
        )
    frame = pd.DataFrame(rows, columns=list(PROJECT_COLUMNS))
    for col in ("kpi_before", "kpi_after"):
        frame[col] = frame[col].astype("float64")
    for d in DIRECTIONS:
        frame[d] = frame[d].astype("int64")
    return frame


# --------------------------------------------------------------------------------------------
# JSON (``pmo diff --format json``)

JSON_VERSION: Final = 1


def _plain(v: Any) -> Any:
    """A JSON value: ISO dates, rounded floats, lists and dicts of such, None for NaN."""
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple | np.ndarray):
        return [_plain(x) for x in v]
    if isinstance(v, dt.datetime | pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return None if math.isnan(float(v)) or math.isinf(float(v)) else round(float(v), 6)
    return None if _none(v) else v


def to_json(
    d: Digest, filters: Filters | None = None, *, batch_then: int | None = None, batch_now: int | None = None
) -> dict[str, Any]:
    """The digest as JSON (README, "Since the last review"): the two points (the as-of date, and
    the batch after which the store is taken, null for the current store), the threshold, the
    portfolio headline at each, the projects and the changes, worst first."""
    f = filters or Filters()
    return {
        "digest_version": JSON_VERSION,
        "from": {"as_of": d.as_of_then.isoformat(), "batch": batch_then},
        "to": {"as_of": d.as_of_now.isoformat(), "batch": batch_now},
        "filters": {
            "program": f.program,
            "curator": f.curator,
            "project_ids": list(f.project_ids) if f.project_ids is not None else None,
        },
        "kpi_threshold_pp": _plain(d.kpi_threshold_pp),
        "portfolio": {"from": headline(d.then), "to": headline(d.now)},
        "projects": [_plain(r) for r in d.projects.to_dict("records")],
        "changes": [{k: _plain(v) for k, v in r.items() if k != "severity"} for r in d.changes.to_dict("records")],
    }
