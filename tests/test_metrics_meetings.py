"""Meeting load, norm compliance, overruns and over-allocation (DOMAIN §4.3; Reg §33–38)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics.common import Filters
from metrics.meetings import meeting_load, meeting_overruns, over_allocated, person_load, window
from tests.builders import D, make_store, project

# Wednesday: the window is the 13 complete weeks 2026-08-03 .. 2026-11-01
AS_OF = D(2026, 11, 4)
W44 = "2026-W44"  # 26 Oct – 1 Nov 2026; Monday 26 Oct is a day off (Republic Day moved from Sunday)


def member(pid: str, person: str, pct: float, **kw: object) -> dict[str, object]:
    return {"project_id": pid, "person": person, "role": "team_member", "allocation_pct": pct, **kw}


def meeting(
    mid: str, pid: str, kind: str, day: object, minutes: float, attendees: str | None = None, teams: int | None = None
) -> dict[str, object]:
    return {
        "meeting_id": mid,
        "project_id": pid,
        "type": kind,
        "date": day,
        "duration_min": minutes,
        "attendees": attendees,
        "teams_presented": teams,
    }


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    both = "Aigerim Bekova; Erlan Sadykov"
    return make_store(
        tmp_path / "m.duckdb",
        {
            "projects": [project("P1"), project("P2"), project("P3", status="cancelled")],
            "team": [
                member("P1", "Aigerim Bekova", 50),
                member("P2", "Aigerim Bekova", 30),  # one person, two projects
                member("P1", "Erlan Sadykov", 10),
                member("P1", "Dana Ospanova", 5),
                member("P1", "Marat Ali", 50),
                member("P2", "Marat Ali", 60),
                member("P1", "Old Member", 30, to_date=D(2026, 8, 9)),
                member("P3", "Erlan Sadykov", 90),
            ],
            "meetings": [
                meeting("D1", "P1", "daily", D(2026, 10, 27), 15, both),
                meeting("D2", "P1", "daily", D(2026, 10, 28), 15, "aigerim   BEKOVA, erlan sadykov"),
                meeting("D3", "P1", "daily", D(2026, 10, 29), 15, both),
                meeting("D4", "P1", "daily", D(2026, 10, 30), 15, "Aigerim Bekova\nErlan Sadykov"),
                meeting("SP", "P1", "sprint_planning", D(2026, 10, 27), 120, "Aigerim Bekova"),
                meeting("MR", "P1", "monthly_report", D(2026, 10, 29), 80, "Aigerim Bekova", teams=4),
                meeting("PD1", "P2", "daily", D(2026, 10, 27), 15, "AIGERIM BEKOVA"),
                meeting("PD2", "P2", "daily", D(2026, 10, 28), 15, "Aigerim Bekova; Aigerim Bekova"),
                meeting("PD3", "P2", "daily", D(2026, 10, 30), 20),
                meeting("SPW", "P1", "sprint_planning", D(2026, 10, 21), 180),  # a Wednesday
                meeting("SPL", "P1", "sprint_planning", D(2026, 10, 13), 540),  # Tuesday, 9 h
                meeting("MR2", "P2", "monthly_report", D(2026, 10, 29), 100, teams=4),
                meeting("QR", "P2", "quarterly_report", D(2026, 10, 1), 25),
                meeting("LATE", "P1", "daily", D(2026, 11, 3), 30),  # after the window
                meeting("OLD", "P1", "daily", D(2026, 7, 31), 30),  # before the window
                meeting("CX", "P3", "daily", D(2026, 10, 27), 45),  # cancelled project
            ],
        },
    )


def row(load: pd.DataFrame, person: str, pid: str, week: str) -> pd.Series:
    hit = load[(load["person"] == person) & (load["project_id"] == pid) & (load["week"] == week)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_window() -> None:
    assert window(AS_OF, 13) == (D(2026, 8, 3), D(2026, 11, 1))
    assert window(D(2026, 11, 1), 13) == (D(2026, 8, 3), D(2026, 11, 1))  # a Sunday ends its own week


def test_hour_norm_in_a_week_with_a_public_holiday(con: duckdb.DuckDBPyConnection) -> None:
    r = row(meeting_load(con, AS_OF), "Aigerim Bekova", "P1", W44)
    assert r["working_days"] == 4
    assert r["project_hours"] == 20  # 40 h × 50 %
    # 4 dailies × 15 min + sprint planning 2 h + monthly slot 80 min ÷ 4 teams = 1 + 2 + 1/3 h
    assert r["meeting_hours"] == pytest.approx(10 / 3)
    assert r["load_pct"] == pytest.approx(10 / 3 / 20 * 100)
    assert r["norm"] == "2h_per_day"
    assert r["required"] == 8  # 2 h × 4 working days
    assert r["compliance_pct"] == pytest.approx(10 / 3 / 8 * 100)
    full = row(meeting_load(con, AS_OF), "Aigerim Bekova", "P1", "2026-W43")
    assert full["working_days"] == 5 and full["required"] == 10
    assert full["meeting_hours"] == 0 and full["compliance_pct"] == 0


def test_person_on_two_projects(con: duckdb.DuckDBPyConnection) -> None:
    load = meeting_load(con, AS_OF)
    r = row(load, "Aigerim Bekova", "P2", W44)
    assert r["project_hours"] == 12 and r["norm"] == "3_per_week" and r["required"] == 3
    assert r["attended"] == 2  # a name listed twice in one meeting counts once
    assert r["compliance_pct"] == pytest.approx(200 / 3)
    assert r["meeting_hours"] == pytest.approx(0.5)
    total = person_load(load)
    t = total[(total["person"] == "Aigerim Bekova") & (total["week"] == W44)].iloc[0]
    assert t["project_hours"] == 32 and t["meeting_hours"] == pytest.approx(10 / 3 + 0.5)
    assert t["load_pct"] == pytest.approx((10 / 3 + 0.5) / 32 * 100)


def test_count_norm_and_no_norm(con: duckdb.DuckDBPyConnection) -> None:
    load = meeting_load(con, AS_OF)
    erlan = row(load, "Erlan Sadykov", "P1", W44)
    assert erlan["norm"] == "2_per_week" and erlan["attended"] == 4 and erlan["compliance_pct"] == 200
    dana = row(load, "Dana Ospanova", "P1", W44)
    assert dana["norm"] is None and pd.isna(dana["compliance_pct"]) and pd.isna(dana["required"])


def test_rows_for_every_week_of_the_window(con: duckdb.DuckDBPyConnection) -> None:
    load = meeting_load(con, AS_OF)
    counts = load.groupby(["person", "project_id"]).size()
    assert counts[("Aigerim Bekova", "P1")] == 13
    assert counts[("Old Member", "P1")] == 1  # in the team until 2026-08-09: one week of the window
    assert "P3" not in set(load["project_id"])  # cancelled
    assert set(load["week"]) >= {"2026-W32", W44}


def test_overruns(con: duckdb.DuckDBPyConnection) -> None:
    out = meeting_overruns(con, AS_OF)
    got = {(r.meeting_id, r.reason): (r.limit_min, r.over_min) for r in out.itertuples()}
    assert got == {
        ("PD3", "too_long"): (15, 5),
        ("SPW", "not_tuesday"): (480, 0),
        ("SPL", "too_long"): (480, 60),
        ("MR2", "too_long"): (80, 20),  # 20 min × 4 teams
        ("QR", "too_long"): (20, 5),
    }


def test_over_allocated(con: duckdb.DuckDBPyConnection) -> None:
    out = over_allocated(con, AS_OF)
    assert out["person"].tolist() == ["Marat Ali"]
    assert out["allocation_pct"].tolist() == [110]
    assert out["project_ids"].tolist() == [["P1", "P2"]]
    # filtered to P2 the person still shows with the total of all projects
    assert over_allocated(con, AS_OF, Filters(project_ids=("P2",)))["allocation_pct"].tolist() == [110]
