"""Overdue items, completed-late activities, late evaluations (DOMAIN §4.4), hand-computed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics.overdue import completed_late, evaluations_late, overdue_items
from tests.builders import D, make_store, project

AS_OF = D(2026, 10, 28)  # a Wednesday; Monday 26 Oct 2026 is a day off (Republic Day moved from Sunday)


def act(aid: str, planned_end: object, pid: str = "P1", **kw: object) -> dict[str, object]:
    return {"activity_id": aid, "project_id": pid, "name": aid, "planned_end": planned_end, "responsible": "Resp", **kw}


def dec(did: str, meeting: object, due: object, pid: str = "P1", **kw: object) -> dict[str, object]:
    return {"decision_id": did, "project_id": pid, "meeting_date": meeting, "text": did, "due_date": due, **kw}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    done = {"status": "completed", "completed_on": D(2026, 6, 1), "end_date": D(2026, 6, 30)}
    return make_store(
        tmp_path / "o.duckdb",
        {
            "projects": [
                project("P1"),
                project("P2", end_date=D(2026, 6, 30)),
                project("P3", **done),
                project("P4", **done),
                project("P5", **done),
                # completed after the as-of date: on the as-of date its deadline had passed uncompleted
                project("P6", status="completed", completed_on=D(2026, 11, 15), end_date=D(2026, 9, 30)),
                project("P7", status="cancelled", end_date=D(2026, 3, 31)),
            ],
            "activities": [
                act("A-HOL", D(2026, 10, 23), status="in_progress"),  # Friday before the holiday weekend
                act("A-DONE-LATER", D(2026, 10, 1), status="done", actual_end=D(2026, 11, 2)),
                act("A-LATE", D(2026, 9, 1), status="done", actual_end=D(2026, 9, 15)),
                act("A-CANCEL", D(2026, 5, 1), status="cancelled"),
                act("A-NORESP", D(2026, 10, 20), responsible=None),
                act("A-FUTURE", D(2026, 11, 30)),
                act("A-DONE-NODATE", D(2026, 5, 1), status="done"),
                act("A-X", D(2026, 1, 31), pid="P7"),
            ],
            "indicators": [
                {
                    "indicator_id": "I-MISSED",
                    "project_id": "P1",
                    "name": "x",
                    "baseline": 0,
                    "target": 100,
                    "deadline": D(2026, 6, 30),
                }
            ],
            "indicator_values": [{"indicator_id": "I-MISSED", "period_end": D(2026, 6, 30), "actual": 50}],
            "risks": [
                {
                    "risk_id": "R-STALE",
                    "project_id": "P1",
                    "title": "x",
                    "probability": 2,
                    "impact": 2,
                    "owner": "Risk Owner",
                    "identified_on": D(2026, 1, 1),
                }
            ],
            "changes": [
                {"change_id": "C-PEND", "project_id": "P1", "submitted_on": D(2026, 8, 3)},
                {
                    "change_id": "C-DEC",
                    "project_id": "P1",
                    "submitted_on": D(2026, 8, 3),
                    "decision": "approved",
                    "decided_on": D(2026, 8, 5),
                },
                {
                    "change_id": "C-DECLATER",
                    "project_id": "P1",
                    "submitted_on": D(2026, 8, 3),
                    "decision": "approved",
                    "decided_on": D(2026, 11, 1),
                },
                {"change_id": "C-NEW", "project_id": "P1", "submitted_on": D(2026, 10, 20)},
            ],
            "evaluations": [
                {"project_id": "P3", "submitted_on": D(2026, 6, 23)},  # 16th working day after completion: late
                {"project_id": "P4", "submitted_on": D(2026, 6, 22)},  # 15th working day: on time
            ],
            "decisions": [
                dec("DEC-HOL", D(2026, 10, 8), D(2026, 10, 23), responsible="Dec Owner"),  # Friday before the holiday
                dec("DEC-NORESP", D(2026, 7, 9), D(2026, 9, 11)),
                dec("DEC-DONE", D(2026, 7, 9), D(2026, 10, 1), done_on=D(2026, 10, 20)),  # done late: not overdue
                dec("DEC-DONE-LATER", D(2026, 7, 9), D(2026, 10, 1), done_on=D(2026, 11, 2)),
                dec("DEC-TODAY", D(2026, 10, 8), AS_OF),  # due on the as-of date: not overdue yet
                dec("DEC-NODUE", D(2026, 7, 9), None),  # no due date: never overdue
                dec("DEC-X", D(2026, 1, 9), D(2026, 1, 31), pid="P7"),  # cancelled project
            ],
        },
    )


def items(df: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str, int, int]]:
    cols = ["kind", "item_id", "due", "responsible", "days_overdue", "working_days_overdue"]
    return {
        (kind, item_id): (str(due.date()), responsible, days, working_days)
        for kind, item_id, due, responsible, days, working_days in df[cols].itertuples(index=False, name=None)
    }


def test_every_kind(con: duckdb.DuckDBPyConnection) -> None:
    got = items(overdue_items(con, AS_OF))
    assert got == {
        # 23 Oct → 28 Oct: 5 calendar days; working days 27, 28 Oct only (24–25 weekend, 26 a day off)
        ("activity", "A-HOL"): ("2026-10-23", "Resp", 5, 2),
        # done on 2 Nov, after the as-of date: not complete on 28 Oct
        ("activity", "A-DONE-LATER"): ("2026-10-01", "Resp", 27, 18),
        ("activity", "A-NORESP"): ("2026-10-20", "PM P1", 8, 5),  # no responsible: the project manager
        ("project", "P2"): ("2026-06-30", "PM P2", 120, 84),
        ("project", "P6"): ("2026-09-30", "PM P6", 28, 19),
        ("indicator", "I-MISSED"): ("2026-06-30", "PM P1", 120, 84),
        ("risk_review", "R-STALE"): ("2026-04-03", "Risk Owner", 208, 142),
        # P5 completed on 1 Jun 2026: report due on the 15th working day after, 22 Jun
        ("evaluation", "P5"): ("2026-06-22", "PM P5", 128, 90),
        # submitted Mon 3 Aug: due on the 10th working day after, 17 Aug
        ("change", "C-PEND"): ("2026-08-17", "PM P1", 72, 51),
        ("change", "C-DECLATER"): ("2026-08-17", "PM P1", 72, 51),  # decided after the as-of date
        # the quarterly meeting's decisions (Reg §34): 23 Oct → 28 Oct as for A-HOL
        ("decision", "DEC-HOL"): ("2026-10-23", "Dec Owner", 5, 2),
        # Fri 11 Sep → Wed 28 Oct: 19 + 28 = 47 days; working: 6 full weeks (30) + 27, 28 Oct (26th off)
        ("decision", "DEC-NORESP"): ("2026-09-11", "PM P1", 47, 32),
        ("decision", "DEC-DONE-LATER"): ("2026-10-01", "PM P1", 27, 18),  # done after the as-of date
    }


def test_sorted_by_severity(con: duckdb.DuckDBPyConnection) -> None:
    df = overdue_items(con, AS_OF)
    assert df["working_days_overdue"].is_monotonic_decreasing
    assert df.iloc[0]["item_id"] == "R-STALE"


def test_evaluation_due_on_the_15th_working_day(con: duckdb.DuckDBPyConnection) -> None:
    on_due_day = overdue_items(con, D(2026, 6, 22))
    assert "P5" not in set(on_due_day.loc[on_due_day["kind"] == "evaluation", "item_id"])
    next_day = items(overdue_items(con, D(2026, 6, 23)))
    assert next_day[("evaluation", "P5")] == ("2026-06-22", "PM P5", 1, 1)
    late = evaluations_late(con, AS_OF)
    assert late["project_id"].tolist() == ["P3"]  # P4 on the 15th working day is on time
    assert late.iloc[0]["days_late"] == 1 and late.iloc[0]["working_days_late"] == 1


def test_change_due_on_the_10th_working_day(con: duckdb.DuckDBPyConnection) -> None:
    assert ("change", "C-PEND") not in items(overdue_items(con, D(2026, 8, 17)))
    assert items(overdue_items(con, D(2026, 8, 18)))[("change", "C-PEND")][2:] == (1, 1)


def test_a_decision_due_on_the_friday_before_a_holiday_monday(con: duckdb.DuckDBPyConnection) -> None:
    """Due Fri 23 Oct 2026; Sat, Sun and Mon 26 Oct (Republic Day, moved from Sunday) are off."""
    assert ("decision", "DEC-HOL") not in items(overdue_items(con, D(2026, 10, 23)))
    # overdue from the day after, but no working day has passed until Tuesday
    assert items(overdue_items(con, D(2026, 10, 24)))[("decision", "DEC-HOL")][2:] == (1, 0)
    assert items(overdue_items(con, D(2026, 10, 26)))[("decision", "DEC-HOL")][2:] == (3, 0)
    assert items(overdue_items(con, D(2026, 10, 27)))[("decision", "DEC-HOL")][2:] == (4, 1)
    # done on 20 Oct, due 1 Oct: overdue on 5 Oct (Thu 1 → Mon 5: 4 days, working 2 and 5 Oct)
    assert items(overdue_items(con, D(2026, 10, 5)))[("decision", "DEC-DONE")][2:] == (4, 2)
    assert ("decision", "DEC-DONE") not in items(overdue_items(con, D(2026, 10, 20)))
    # before the meeting that took it, a decision does not exist (its due date is later anyway)
    assert "decision" not in set(overdue_items(con, D(2026, 7, 8))["kind"])


def test_completed_late(con: duckdb.DuckDBPyConnection) -> None:
    late = completed_late(con, AS_OF)
    assert late["activity_id"].tolist() == ["A-LATE"]
    # 1 Sep → 15 Sep: 14 calendar days, 10 working days
    assert late.iloc[0]["days_late"] == 14 and late.iloc[0]["working_days_late"] == 10
    # the activity done on 2 Nov is late too once the as-of date passes it
    assert set(completed_late(con, D(2026, 11, 5))["activity_id"]) == {"A-LATE", "A-DONE-LATER"}


def test_cancelled_projects_left_out(con: duckdb.DuckDBPyConnection) -> None:
    df = overdue_items(con, AS_OF)
    assert "P7" not in set(df["project_id"])
