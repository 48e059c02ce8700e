"""The demo portfolio: ``data/demo_portfolio.xlsx`` imports without a single issue, is exactly
what ``data/make_demo.py`` builds, and holds the situations the dashboard must show as of
2026-09-30 (checked here with plain SQL on the imported store, not with the metrics)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pytest

from loaders import store
from loaders.importer import import_files
from loaders.schema import TABLES
from tests.builders import as_user

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "data" / "demo_portfolio.xlsx"


def _load_generator() -> ModuleType:
    """``data/`` is not a package: load the generator from its path."""
    spec = importlib.util.spec_from_file_location("make_demo", ROOT / "data" / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


make_demo = _load_generator()
AS_OF: dt.date = make_demo.AS_OF


@pytest.fixture(scope="module")
def imported() -> Iterator[tuple[duckdb.DuckDBPyConnection, object, object]]:
    con = store.connect(":memory:")
    plan, batch = import_files(con, [WORKBOOK], actor=as_user("demo"))
    yield con, plan, batch
    con.close()


@pytest.fixture(scope="module")
def con(imported: tuple[duckdb.DuckDBPyConnection, object, object]) -> duckdb.DuckDBPyConnection:
    c = imported[0]
    # open risks of projects that count (not cancelled), with their score (DOMAIN §4.2)
    c.execute(
        """CREATE TEMP VIEW open_risks AS
           SELECT r.*, r.probability * r.impact AS score FROM risks r JOIN projects p USING (project_id)
           WHERE p.status <> 'cancelled' AND coalesce(r.status, 'open') = 'open'"""
    )
    return c


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def column(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[Any]:
    return [r[0] for r in rows(con, sql, params)]


# --------------------------------------------------------------------------------------------
# The file


def test_imports_without_issues(imported: tuple[duckdb.DuckDBPyConnection, object, object]) -> None:
    _, plan, batch = imported
    assert plan.issues == []  # type: ignore[attr-defined]
    assert isinstance(batch, int)


@pytest.mark.parametrize("table", TABLES)
def test_row_counts_match_the_generator(con: duckdb.DuckDBPyConnection, table: str) -> None:
    expected = len(make_demo.tables()[table])
    assert expected > 0
    count = rows(con, f"SELECT count(*) FROM {store.q(table)}")[0][0]
    assert count == expected


def test_generator_rebuilds_the_committed_file_byte_for_byte(tmp_path: Path) -> None:
    first = make_demo.write(tmp_path / "first.xlsx").read_bytes()
    second = make_demo.write(tmp_path / "second.xlsx").read_bytes()
    assert first == second
    assert first == WORKBOOK.read_bytes(), "run .venv/bin/python data/make_demo.py and commit the workbook"


# --------------------------------------------------------------------------------------------
# Projects and indicators


def test_portfolio_shape(con: duckdb.DuckDBPyConnection) -> None:
    assert column(con, "SELECT count(DISTINCT program) FROM projects") == [3]
    statuses = dict(rows(con, "SELECT status, count(*) FROM projects GROUP BY 1"))
    assert statuses["execution"] > len(statuses)
    assert statuses["cancelled"] == 1
    assert {"planning", "initiation", "completed", "suspended"} <= set(statuses)
    assert column(con, "SELECT count(*) FROM projects WHERE status = 'completed' AND completed_on IS NULL") == [0]


def test_descriptions_start_with_the_russian_name(con: duckdb.DuckDBPyConnection) -> None:
    kazakh_letters = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
    for name, description in rows(con, "SELECT name, description FROM projects"):
        assert isinstance(name, str) and isinstance(description, str)
        first_sentence = description.split(". ")[0]
        assert not kazakh_letters & set(first_sentence), description
        assert first_sentence != name


def test_one_passport_deadline_violation(con: duckdb.DuckDBPyConnection) -> None:
    """Reg §8.4: end date passed, not completed, not cancelled."""
    overdue = column(
        con,
        """SELECT project_id FROM projects
           WHERE end_date < ? AND status NOT IN ('completed', 'cancelled')
             AND (completed_on IS NULL OR completed_on > ?)""",
        [AS_OF, AS_OF],
    )
    assert overdue == ["P06"]


def test_a_decreasing_indicator(con: duckdb.DuckDBPyConnection) -> None:
    assert column(con, "SELECT indicator_id FROM indicators WHERE direction = 'decrease' AND target < baseline") == [
        "P05-TI1"
    ]


def test_kpis_point_to_a_target_indicator_of_their_project(con: duckdb.DuckDBPyConnection) -> None:
    bad = rows(
        con,
        """SELECT k.indicator_id FROM indicators k LEFT JOIN indicators t ON t.indicator_id = k.parent_id
           WHERE k.kind = 'kpi' AND (t.kind IS DISTINCT FROM 'target_indicator' OR t.project_id <> k.project_id)""",
    )
    assert bad == []
    assert column(con, "SELECT count(*) FROM indicators WHERE weight = 2") != [0]
    assert column(con, "SELECT count(*) FROM indicators WHERE criterion IS NOT NULL") != [0]


def test_indicator_values_are_quarterly_from_2025_q1_to_2026_q3(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT min(period_end), max(period_end) FROM indicator_values") == [
        (dt.date(2025, 3, 31), dt.date(2026, 9, 30))
    ]
    not_quarter_end = (
        "SELECT count(*) FROM indicator_values WHERE period_end <> last_day(period_end) OR month(period_end) % 3 <> 0"
    )
    assert column(con, not_quarter_end) == [0]
    # written as "2026-Q3" and "3 тоқсан 2026" in the workbook
    assert column(con, "SELECT count(*) FROM indicator_values WHERE indicator_id IN ('P05-TI1', 'P09-TI1')") == [14]


def test_indicators_without_values(con: duckdb.DuckDBPyConnection) -> None:
    none = column(
        con,
        """SELECT indicator_id FROM indicators
           WHERE indicator_id NOT IN (SELECT indicator_id FROM indicator_values) ORDER BY 1""",
    )
    assert none == ["P02-KPI2", "P04-TI1", "P08-TI1"]


def test_a_target_indicator_missed_its_deadline(con: duckdb.DuckDBPyConnection) -> None:
    missed = column(
        con,
        """SELECT i.indicator_id FROM indicators i JOIN projects p USING (project_id)
           JOIN indicator_values v ON v.indicator_id = i.indicator_id
           WHERE p.status <> 'cancelled' AND i.deadline < ? AND v.period_end <= ?
           QUALIFY row_number() OVER (PARTITION BY i.indicator_id ORDER BY v.period_end DESC) = 1
               AND v.actual < i.target""",
        [AS_OF, AS_OF],
    )
    assert missed == ["P06-TI1"]


# --------------------------------------------------------------------------------------------
# Activities


def test_activities_done_late_and_overdue(con: duckdb.DuckDBPyConnection) -> None:
    late = column(con, "SELECT count(*) FROM activities WHERE actual_end > planned_end AND status = 'done'")
    assert late[0] >= 5
    overdue = dict(
        rows(
            con,
            """SELECT a.activity_id, ?::DATE - a.planned_end FROM activities a JOIN projects p USING (project_id)
               WHERE p.status <> 'cancelled' AND a.planned_end < ?
                 AND coalesce(a.status, '') NOT IN ('done', 'cancelled')
                 AND (a.actual_end IS NULL OR a.actual_end > ?)""",
            [AS_OF, AS_OF, AS_OF],
        )
    )
    assert any(days > 30 for days in overdue.values())
    assert any(days <= 30 for days in overdue.values())
    assert overdue["P05-A04"] == 30  # on the "more than 30 days" boundary
    assert {"P01-A05", "P06-A06"} <= set(overdue)  # responsible blank: the project manager
    assert column(con, "SELECT responsible FROM activities WHERE activity_id IN ('P01-A05', 'P06-A06')") == [None, None]


def test_an_activity_due_before_the_republic_day_weekend(con: duckdb.DuckDBPyConnection) -> None:
    due = column(con, "SELECT planned_end FROM activities WHERE planned_end = DATE '2026-10-23' AND actual_end IS NULL")
    assert due == [dt.date(2026, 10, 23)]
    assert dt.date(2026, 10, 23).weekday() == 4


def test_activities_per_project(con: duckdb.DuckDBPyConnection) -> None:
    per_project = column(con, "SELECT count(*) FROM activities GROUP BY project_id")
    assert len(per_project) == 13
    assert all(4 <= n <= 10 for n in per_project)


# --------------------------------------------------------------------------------------------
# Risks


def test_high_risks_without_mitigation_or_alternative(con: duckdb.DuckDBPyConnection) -> None:
    no_mitigation = column(con, "SELECT risk_id FROM open_risks WHERE score >= 15 AND mitigation IS NULL ORDER BY 1")
    assert no_mitigation == ["P03-R1", "P06-R1"]
    no_alternative = column(
        con,
        """SELECT risk_id FROM open_risks
           WHERE score >= 15 AND alternative_plan IS NULL AND coalesce(priority, 'high') = 'high' ORDER BY 1""",
    )
    assert no_alternative == ["P05-R1", "P06-R1"]


def test_typed_priorities_that_disagree_with_the_score(con: duckdb.DuckDBPyConnection) -> None:
    mismatch = rows(
        con,
        """SELECT risk_id, score, priority FROM open_risks
           WHERE priority <> CASE WHEN score >= 15 THEN 'high' WHEN score >= 5 THEN 'medium' ELSE 'low' END
           ORDER BY 1""",
    )
    assert mismatch == [("P02-R2", 6, "low"), ("P02-R3", 20, "medium"), ("P05-R3", 12, "high"), ("P09-R2", 6, "high")]


def test_stale_and_never_reviewed_risks(con: duckdb.DuckDBPyConnection) -> None:
    """Stale: more than 92 days since the last reassessment (Reg §42.4); P01-R3 is exactly 92."""
    stale = column(
        con,
        """SELECT risk_id FROM open_risks
           WHERE ?::DATE - coalesce(last_reviewed_on, identified_on) > 92 ORDER BY 1""",
        [AS_OF],
    )
    assert stale == ["P02-R4", "P03-R3", "P06-R1", "P06-R3", "P07-R3", "P09-R3", "P13-R2"]
    boundary = column(con, "SELECT ?::DATE - last_reviewed_on FROM open_risks WHERE risk_id = 'P01-R3'", [AS_OF])
    assert boundary == [92]
    never = column(con, "SELECT risk_id FROM risks WHERE last_reviewed_on IS NULL ORDER BY 1")
    assert never == ["P07-R3", "P08-R1"]


def test_risks_cover_the_matrix_and_the_statuses(con: duckdb.DuckDBPyConnection) -> None:
    cells = column(con, "SELECT count(DISTINCT (probability, impact)) FROM risks")
    assert cells[0] >= 10
    assert set(column(con, "SELECT DISTINCT status FROM risks")) == {"open", "closed", "occurred"}
    assert set(column(con, "SELECT DISTINCT category FROM risks")) == {"key", "macroeconomic"}


# --------------------------------------------------------------------------------------------
# Team and meetings


def test_one_person_on_exactly_two_projects(con: duckdb.DuckDBPyConnection) -> None:
    two = rows(
        con,
        """SELECT person, list(allocation_pct ORDER BY project_id) FROM team
           GROUP BY person HAVING count(DISTINCT project_id) = 2""",
    )
    assert two == [("Ернар Байжанов", [50.0, 30.0])]


def test_one_person_allocated_over_100_percent(con: duckdb.DuckDBPyConnection) -> None:
    over = rows(
        con,
        """SELECT person, sum(allocation_pct) FROM team
           WHERE (from_date IS NULL OR from_date <= ?) AND (to_date IS NULL OR to_date >= ?)
           GROUP BY person HAVING sum(allocation_pct) > 100""",
        [AS_OF, AS_OF],
    )
    assert over == [("Камила Жүнісова", 110.0)]


def test_allocations_cover_every_norm_tier(con: duckdb.DuckDBPyConnection) -> None:
    shares = set(column(con, "SELECT DISTINCT allocation_pct FROM team"))
    assert {50.0, 30.0, 10.0, 5.0} <= shares
    assert column(con, "SELECT count(*) FROM team WHERE from_date IS NOT NULL OR to_date IS NOT NULL")[0] >= 3


def test_meetings_span_and_size(con: duckdb.DuckDBPyConnection) -> None:
    first, last, count, ids, weekend = rows(
        con,
        """SELECT min(date), max(date), count(*), count(DISTINCT meeting_id), count(*) FILTER (isodow(date) > 5)
           FROM meetings""",
    )[0]
    assert (first, last) == (dt.date(2026, 5, 4), dt.date(2026, 11, 20))
    assert 1500 <= count <= 3000
    assert ids == count
    assert weekend == 0


def test_meeting_overruns_and_odd_days(con: duckdb.DuckDBPyConnection) -> None:
    assert column(con, "SELECT meeting_id FROM meetings WHERE type = 'sprint_planning' AND isodow(date) <> 2") == [
        "P02-SP-20260819"
    ]
    assert column(con, "SELECT meeting_id FROM meetings WHERE type = 'sprint_planning' AND duration_min > 480") == [
        "P05-SP-20260915"
    ]
    assert column(con, "SELECT count(*) FROM meetings WHERE type = 'daily' AND duration_min > 15")[0] > 0
    assert column(con, "SELECT count(*) FROM meetings WHERE type = 'monthly_report' AND teams_presented > 1")[0] > 0
    overrun = column(
        con,
        """SELECT DISTINCT date FROM meetings
           WHERE type IN ('monthly_report', 'quarterly_report') AND duration_min > 20 * teams_presented""",
    )
    assert overrun == [dt.date(2026, 8, 27)]


def test_attendee_names_vary_in_case_and_spacing(con: duckdb.DuckDBPyConnection) -> None:
    assert column(con, "SELECT count(*) FROM meetings WHERE attendees LIKE '%  %'")[0] > 0
    assert column(con, "SELECT count(*) FROM meetings WHERE attendees LIKE '%асхат нұрланов%'")[0] > 0


# --------------------------------------------------------------------------------------------
# Budget, changes, evaluations


def test_budget_lines(con: duckdb.DuckDBPyConnection) -> None:
    assert set(column(con, "SELECT DISTINCT year FROM budget")) == {2025, 2026, 2027}
    assert set(column(con, "SELECT DISTINCT funding_source FROM budget")) == {
        "republican_budget",
        "local_budget",
        "extra_budgetary",
        "additional_funding_required",
    }
    assert column(con, "SELECT count(*) FROM budget WHERE year = 2027 AND spent IS NOT NULL") == [0]
    assert column(
        con, "SELECT count(*) FROM budget WHERE funding_source = 'additional_funding_required' AND spent IS NOT NULL"
    ) == [0]


def test_change_requests(con: duckdb.DuckDBPyConnection) -> None:
    decided = column(
        con, "SELECT count(*) FROM changes WHERE decision IN ('approved', 'rejected') AND decided_on IS NULL"
    )
    assert decided == [0]
    # pending for months: overdue whatever the calendar (due 10 working days after submission)
    long_pending = column(
        con,
        "SELECT change_id FROM changes WHERE coalesce(decision, 'pending') = 'pending' AND submitted_on < ?::DATE - 30",
        [AS_OF],
    )
    assert long_pending == ["CR-007"]


def test_evaluation_reports(con: duckdb.DuckDBPyConnection) -> None:
    reports = rows(
        con,
        """SELECT p.project_id, e.submitted_on - p.completed_on FROM projects p
           LEFT JOIN evaluations e USING (project_id) WHERE p.status = 'completed' ORDER BY 1""",
    )
    # 15 working days are at least 21 calendar days: P10 reported late, P12 not at all
    assert reports[0][0] == "P10" and reports[0][1] > 21
    assert reports[1] == ("P12", None)


def test_quarterly_meeting_decisions(con: duckdb.DuckDBPyConnection) -> None:
    """The curators' meetings of 2026-07-09 (Reg §34): one decision of each kind, two done, one
    overdue on AS_OF (Q2-02, due Fri 2026-09-11), one due on AS_OF, one due later."""
    assert column(con, "SELECT DISTINCT meeting_date FROM decisions") == [dt.date(2026, 7, 9)]
    assert column(con, "SELECT kind FROM decisions ORDER BY kind") == [
        "budget",
        "discrepancy",
        "other",
        "priority",
        "team_size",
    ]
    assert column(con, "SELECT decision_id FROM decisions WHERE done_on <= ? ORDER BY 1", [AS_OF]) == ["Q2-01", "Q2-04"]
    overdue = column(con, "SELECT decision_id FROM decisions WHERE done_on IS NULL AND due_date < ?", [AS_OF])
    assert overdue == ["Q2-02"]
    assert column(con, "SELECT due_date FROM decisions WHERE decision_id = 'Q2-02'") == [dt.date(2026, 9, 11)]
    # the project it concerns is live (in execution), so the decision counts as overdue
    assert column(con, "SELECT status FROM projects WHERE project_id = 'P03'") == ["execution"]


# --------------------------------------------------------------------------------------------
# Digital-transformation roadmaps (DT §24–25, §34, §37–40, §45, §51): the expectations written
# next to the data in data/make_demo.py, checked against the KZ working-day calendar


def test_three_roadmaps_with_directions_linked_to_projects(con: duckdb.DuckDBPyConnection) -> None:
    assert column(con, "SELECT roadmap_id FROM roadmaps ORDER BY 1") == ["RM-1", "RM-2", "RM-3"]
    assert rows(con, "SELECT DISTINCT period_from, period_to FROM roadmaps") == [(2026, 2028)]
    per_roadmap = dict(rows(con, "SELECT roadmap_id, count(*) FROM roadmap_directions GROUP BY 1"))
    assert all(2 <= n <= 4 for n in per_roadmap.values()) and len(per_roadmap) == 3
    linked = column(con, "SELECT count(*) FROM roadmap_directions WHERE project_id IS NOT NULL")[0]
    assert 0 < linked < sum(per_roadmap.values())
    # financed and unfinanced parts apart (DT §17.2); both present, one direction wholly unfinanced
    assert column(con, "SELECT count(*) FROM roadmap_directions WHERE additional_funding > 0")[0] >= 3
    assert column(con, "SELECT direction_id FROM roadmap_directions WHERE financed IS NULL") == ["RM3-D3"]


def test_indicators_of_the_directions_carry_their_criteria(con: duckdb.DuckDBPyConnection) -> None:
    named = rows(con, "SELECT indicator_id, direction_id, criterion FROM indicators WHERE direction_id IS NOT NULL")
    assert len(named) == 12
    assert {d for _, d, _ in named} == set(column(con, "SELECT direction_id FROM roadmap_directions")) - {"RM3-D3"}
    criteria = [c for _, _, c in named if c is not None]
    assert len(criteria) == 11 and len(set(criteria)) == 5  # every DT §19 criterion; P07-KPI1 has none


def _event(con: duckdb.DuckDBPyConnection, roadmap: str, change: str | None, kind: str, day: dt.date) -> bool:
    found = column(
        con,
        """SELECT count(*) FROM roadmap_events
           WHERE roadmap_id = ? AND change_id IS NOT DISTINCT FROM ? AND kind = ? AND event_date = ?""",
        [roadmap, change, kind, day],
    )
    return found == [1]


D = dt.date
#: roadmap, change, paragraph, start event and date, working days allowed, finishing event and date
#: (None: not done by AS_OF), working days late (done) or overdue (open; None: not due yet)
CLOCKS: list[tuple[str, str | None, str, str, dt.date, int, str, dt.date | None, int | None]] = [
    ("RM-1", None, "§24", "submitted", D(2026, 3, 10), 10, "agreed", D(2026, 3, 26), 0),
    ("RM-1", None, "§25", "approved", D(2026, 4, 3), 3, "published_pmis", D(2026, 4, 8), 0),
    ("RM-1", None, "§37", "approved", D(2026, 4, 3), 10, "team_formed", D(2026, 4, 16), 0),
    ("RM-1", None, "§38", "team_formed", D(2026, 4, 16), 2, "notice_posted", D(2026, 4, 20), 0),
    ("RM-1", None, "§39", "team_formed", D(2026, 4, 16), 5, "schedule_drafted", D(2026, 4, 22), 0),
    ("RM-1", None, "§40", "schedule_approved", D(2026, 4, 28), 3, "schedule_entered", D(2026, 5, 4), 0),
    ("RM-1", None, "§45", "target_approved", D(2026, 6, 15), 3, "target_published", D(2026, 6, 18), 0),
    ("RM-1", None, "§45", "target_approved", D(2026, 9, 28), 3, "target_published", None, None),  # due 10-01
    ("RM-2", None, "§24", "submitted", D(2026, 6, 29), 10, "rework", D(2026, 7, 15), 1),
    ("RM-2", None, "§24", "submitted", D(2026, 9, 1), 10, "agreed", None, 11),
    ("RM-3", None, "§24", "submitted", D(2025, 11, 17), 10, "agreed", D(2025, 11, 28), 0),
    ("RM-3", None, "§25", "approved", D(2025, 12, 10), 3, "published_pmis", D(2025, 12, 18), 2),
    ("RM-3", None, "§37", "approved", D(2025, 12, 10), 10, "team_formed", D(2025, 12, 19), 0),
    ("RM-3", None, "§38", "team_formed", D(2025, 12, 19), 2, "notice_posted", D(2025, 12, 23), 0),
    ("RM-3", None, "§39", "team_formed", D(2025, 12, 19), 5, "schedule_drafted", D(2025, 12, 26), 0),
    ("RM-3", None, "§40", "schedule_approved", D(2026, 1, 9), 3, "schedule_entered", D(2026, 1, 14), 0),
    ("RM-3", None, "§45", "target_approved", D(2026, 9, 25), 3, "target_published", None, None),  # due on AS_OF
    ("RM-3", "RM3-C1", "§24", "submitted", D(2026, 5, 19), 10, "agreed", D(2026, 6, 3), 0),
    ("RM-3", "RM3-C1", "§25", "approved", D(2026, 6, 11), 3, "published_pmis", D(2026, 6, 16), 0),
    ("RM-3", "RM3-C2", "§24", "submitted", D(2026, 6, 30), 10, "agreed", D(2026, 7, 10), 0),
    ("RM-3", "RM3-C2", "§25", "approved", D(2026, 7, 15), 3, "published_pmis", D(2026, 7, 20), 0),
    ("RM-3", "RM3-C3", "§24", "submitted", D(2026, 8, 3), 10, "agreed", D(2026, 8, 14), 0),
    ("RM-3", "RM3-C3", "§25", "approved", D(2026, 8, 20), 3, "published_pmis", None, 26),
]


@pytest.mark.parametrize("clock", CLOCKS, ids=lambda c: f"{c[0]}-{c[1] or ''}{c[2]}-{c[4]}")
def test_roadmap_step_deadlines_as_of(con: duckdb.DuckDBPyConnection, clock: tuple[Any, ...]) -> None:
    from metrics.calendar import calendar

    roadmap, change, _, start_kind, start, allowed, end_kind, done, late = clock
    cal = calendar()
    assert _event(con, roadmap, change, start_kind, start)
    due = dt.date.fromisoformat(str(cal.nth_after(start, allowed)[0]))
    if done is not None:
        assert _event(con, roadmap, change, end_kind, done)
        assert max(0, int(cal.between(due, done)[0])) == late
        return
    after = column(
        con,
        """SELECT count(*) FROM roadmap_events WHERE roadmap_id = ? AND change_id IS NOT DISTINCT FROM ?
             AND kind IN ('agreed', 'rework', ?) AND event_date > ? AND event_date <= ?""",
        [roadmap, change, end_kind, start, AS_OF],
    )
    assert after == [0]  # nothing finished it by AS_OF
    overdue = int(cal.between(due, AS_OF)[0])
    assert (overdue if overdue > 0 else None) == late


def test_publication_is_done_by_its_last_placement(con: duckdb.DuckDBPyConnection) -> None:
    """DT §25: the clock stops at the last of portal, website and PMIS (the PMIS in this demo)."""
    last = rows(
        con,
        """SELECT roadmap_id, change_id, max(event_date), arg_max(kind, event_date), count(*) FROM roadmap_events
           WHERE kind LIKE 'published_%' GROUP BY ALL ORDER BY 1, 3""",
    )
    assert all(kind == "published_pmis" and n == 3 for _, change, _, kind, n in last if change != "RM3-C3")
    assert [n for _, change, _, _, n in last if change == "RM3-C3"] == [2]


def test_holidays_decide_two_reviews(con: duckdb.DuckDBPyConnection) -> None:
    """Without Nauryz (23–25.03) and Kurban ait (27.05) these agreements would be late."""
    from metrics.calendar import calendar

    cal = calendar()
    for start, done in ((D(2026, 3, 10), D(2026, 3, 26)), (D(2026, 5, 19), D(2026, 6, 3))):
        assert int(cal.between(start, done)[0]) <= 10
        weekdays = sum(1 for n in range(1, (done - start).days + 1) if (start + dt.timedelta(n)).weekday() < 5)
        assert weekdays > 10


def test_a_change_on_ground_6_within_six_months_of_the_previous_approval(con: duckdb.DuckDBPyConnection) -> None:
    """DT §51.6: RM3-C1 is approved 6 months + 1 day after the roadmap (allowed); RM3-C3 within 6
    months of RM3-C2 (ground 3, allowed at any time): the violation."""
    approvals = rows(
        con,
        """SELECT e.change_id, c.ground, e.event_date,
                  lag(e.event_date) OVER (PARTITION BY e.roadmap_id ORDER BY e.event_date) AS previous
           FROM roadmap_events e LEFT JOIN roadmap_changes c USING (change_id)
           WHERE e.kind = 'approved' AND e.roadmap_id = 'RM-3' ORDER BY e.event_date""",
    )
    assert approvals == [
        (None, None, D(2025, 12, 10), None),
        ("RM3-C1", "6", D(2026, 6, 11), D(2025, 12, 10)),
        ("RM3-C2", "3", D(2026, 7, 15), D(2026, 6, 11)),
        ("RM3-C3", "6", D(2026, 8, 20), D(2026, 7, 15)),
    ]
    violations = [
        change
        for change, ground, day, previous in approvals
        if ground == "6" and previous is not None and day <= _plus_six_months(previous)
    ]
    assert violations == ["RM3-C3"]
    assert _plus_six_months(D(2025, 12, 10)) == D(2026, 6, 10)


def _plus_six_months(day: dt.date) -> dt.date:
    month = day.month + 6
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return D(year, month, day.day)  # the demo's days exist in every month


def test_evaluation_reviews_per_half_year(con: duckdb.DuckDBPyConnection) -> None:
    """DT §34: RM-1 reviewed in H1 2026; RM-3 (approved 10.12.2025) has no review in H1 2026."""
    reviews = rows(
        con,
        "SELECT roadmap_id, event_date FROM roadmap_events WHERE kind = 'evaluation_reviewed' ORDER BY 1, 2",
    )
    assert reviews == [("RM-1", D(2026, 6, 25)), ("RM-3", D(2026, 9, 17))]
    assert column(con, "SELECT count(*) FROM roadmap_events WHERE roadmap_id = 'RM-2' AND kind = 'approved'") == [0]


def test_an_event_after_the_as_of_date(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT roadmap_id, kind, event_date FROM roadmap_events WHERE event_date > ?", [AS_OF]) == [
        ("RM-1", "target_published", D(2026, 10, 1))
    ]
