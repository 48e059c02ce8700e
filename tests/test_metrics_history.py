"""Who changed what in a project (metrics.history), over a store of four batches, one of them
rolled back; expectations written by hand."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from loaders import store
from metrics.history import history_tables, neutral, project_history
from tests.builders import D, project, roll_back, upload

T = dt.datetime


def risk(rid: str, pid: str = "P1", **kw: object) -> dict[str, object]:
    return {"risk_id": rid, "project_id": pid, "title": f"Risk {rid}", "probability": 2, "impact": 3, **kw}


def activity(**kw: object) -> dict[str, object]:
    return {"activity_id": "A1", "project_id": "P1", "name": "Build", "planned_end": D(2026, 6, 30), **kw}


INDICATOR = {"indicator_id": "I1", "project_id": "P1", "name": "Share", "baseline": 0, "target": 100,
             "deadline": D(2026, 12, 31)}  # fmt: skip


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """Batch 1 (Aliya, 1 July): P1 with a risk, an activity, an indicator and its value; P2 with
    a risk of its own. Batch 2 (Berik, 1 August): R1's probability 2 → 4, A1 moved and half done,
    a new value. Batch 3 (Berik, 1 September): P1's deadline and R1's owner, rolled back by Aliya
    the next day. Batch 4 (Aliya, 1 October): R1's owner again, to another name."""
    c = store.connect(tmp_path / "h.duckdb")
    upload(
        c,
        {
            "projects": [project("P1"), project("P2")],
            "risks": [risk("R1", owner="Dana"), risk("R2", pid="P2")],
            "activities": [activity()],
            "indicators": [INDICATOR],
            "indicator_values": [{"indicator_id": "I1", "period_end": D(2026, 6, 30), "actual": 10}],
        },
        user="Aliya",
        at=T(2026, 7, 1, 10),
    )
    upload(
        c,
        {
            "risks": [risk("R1", owner="Dana", probability=4)],
            "activities": [activity(planned_end=D(2026, 9, 30), percent_complete=50)],
            "indicator_values": [{"indicator_id": "I1", "period_end": D(2026, 9, 30), "actual": 20.5}],
        },
        user="Berik",
        at=T(2026, 8, 1, 10),
    )
    upload(
        c,
        {"projects": [project("P1", end_date=D(2027, 3, 31))], "risks": [risk("R1", owner="Erlan", probability=4)]},
        user="Berik",
        at=T(2026, 9, 1, 10),
    )
    assert roll_back(c, 3, user="Aliya", at=T(2026, 9, 2, 9)) == [3]
    upload(c, {"risks": [risk("R1", owner="Marat", probability=4)]}, user="Aliya", at=T(2026, 10, 1, 10))
    return c


def changes(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    rows = frame[frame["change"] == "changed"]
    return list(zip(rows["batch"], rows["table"], rows["key"], rows["field"], rows["old"], rows["new"], strict=True))


def test_changes_newest_first_with_old_and_new_values(con: duckdb.DuckDBPyConnection) -> None:
    history = project_history(con, "P1")
    assert changes(history) == [
        # the owner batch 4 replaced is Dana's: batch 3 (Erlan) was rolled back before it
        (4, "risks", "R1", "owner", "Dana", "Marat"),
        (3, "projects", "P1", "end_date", "2026-12-31", "2027-03-31"),
        (3, "risks", "R1", "owner", "Dana", "Erlan"),
        (2, "activities", "A1", "planned_end", "2026-06-30", "2026-09-30"),
        (2, "activities", "A1", "percent_complete", None, "50"),
        (2, "risks", "R1", "probability", "2", "4"),
    ]
    assert list(history["batch"]) == sorted(history["batch"], reverse=True)


def test_a_rolled_back_change_is_kept_and_marked(con: duckdb.DuckDBPyConnection) -> None:
    history = project_history(con, "P1")
    by_batch: dict[int, dict[str, Any]] = {
        int(r["batch"]): r
        for r in typing.cast(list[dict[str, Any]], history.drop_duplicates("batch").to_dict("records"))
    }
    assert by_batch[3]["status"] == "rolled_back"
    assert by_batch[3]["rolled_back_at"] == pd.Timestamp(2026, 9, 2, 9)
    assert by_batch[3]["rolled_back_by"] == "Aliya"
    assert by_batch[3]["user"] == "Berik"
    assert by_batch[3]["imported_at"] == pd.Timestamp(2026, 9, 1, 10)
    assert by_batch[4]["status"] == by_batch[1]["status"] == "applied"
    assert by_batch[4]["user"] == "Aliya" and by_batch[4]["rolled_back_by"] is None


def test_a_new_row_is_added_field_by_field(con: duckdb.DuckDBPyConnection) -> None:
    history = project_history(con, "P1")
    value = history[(history["table"] == "indicator_values") & (history["batch"] == 2)]
    assert value[["key", "field", "change", "old", "new"]].values.tolist() == [
        ["I1 · 2026-09-30", "actual", "added", None, "20.5"]
    ]
    assert value["key_parts"].iloc[0] == ["I1", "2026-09-30"]
    first = history[(history["table"] == "risks") & (history["batch"] == 1)]
    assert dict(zip(first["field"], first["new"], strict=True)) == {
        "project_id": "P1",
        "title": "Risk R1",
        "probability": "2",
        "impact": "3",
        "owner": "Dana",
    }
    assert set(first["change"]) == {"added"} and first["old"].isna().all()
    # batch 1 added the passport, the risk, the activity, the indicator and its first value
    assert set(history.loc[history["batch"] == 1, "table"]) == {
        "projects",
        "risks",
        "activities",
        "indicators",
        "indicator_values",
    }


def test_another_projects_rows_are_not_in_it(con: duckdb.DuckDBPyConnection) -> None:
    history = project_history(con, "P1")
    assert "R2" not in set(history["key"]) and "P2" not in set(history["key"])
    other = project_history(con, "P2")
    assert set(other["key"]) == {"P2", "R2"} and set(other["batch"]) == {1}
    assert project_history(con, "NOPE").empty


def test_filters_by_table_and_field(con: duckdb.DuckDBPyConnection) -> None:
    risks = project_history(con, "P1", tables=["risks"])
    assert set(risks["table"]) == {"risks"}
    owners = project_history(con, "P1", fields=["owner"])
    assert owners[["batch", "change", "old", "new"]].values.tolist() == [
        [4, "changed", "Dana", "Marat"],
        [3, "changed", "Dana", "Erlan"],
        [1, "added", None, "Dana"],
    ]
    qualified = project_history(con, "P1", fields=["projects.end_date", "activities.planned_end"])
    assert qualified[["table", "batch", "old", "new"]].values.tolist() == [
        ["projects", 3, "2026-12-31", "2027-03-31"],
        ["activities", 2, "2026-06-30", "2026-09-30"],
        ["projects", 1, None, "2026-12-31"],
        ["activities", 1, None, "2026-06-30"],
    ]
    assert project_history(con, "P1", tables=["budget"]).empty


def test_a_rollback_then_the_same_change_again(tmp_path: Path) -> None:
    """A change rolled back and uploaded again is two changes from the same old value."""
    c = store.connect(tmp_path / "again.duckdb")
    upload(c, {"projects": [project("P1")]}, at=T(2026, 1, 5))
    upload(c, {"projects": [project("P1", name="Renamed")]}, at=T(2026, 2, 5))
    roll_back(c, 2, at=T(2026, 2, 6))
    upload(c, {"projects": [project("P1", name="Renamed", program="Customs")]}, at=T(2026, 3, 5))
    assert changes(project_history(c, "P1")) == [
        (3, "projects", "P1", "name", "Project P1", "Renamed"),
        (3, "projects", "P1", "program", "Tax", "Customs"),
        (2, "projects", "P1", "name", "Project P1", "Renamed"),
    ]


def test_a_team_member_is_one_row_whatever_the_case_of_the_name(tmp_path: Path) -> None:
    c = store.connect(tmp_path / "team.duckdb")
    member = {"project_id": "P1", "role": "analyst", "from_date": D(2026, 1, 1)}
    upload(c, {"projects": [project("P1")], "team": [{**member, "person": "dana s", "allocation_pct": 50}]})
    upload(c, {"team": [{**member, "person": "Dana S", "allocation_pct": 80}]})
    team = project_history(c, "P1", tables=["team"])
    assert changes(team) == [(2, "team", "P1 · Dana S · 2026-01-01", "allocation_pct", "50", "80")]


def test_neutral_text() -> None:
    assert [neutral(v) for v in (None, float("nan"), 85.0, 12.5, 3, D(2026, 6, 30), "x")] == [
        None,
        None,
        "85",
        "12.5",
        "3",
        "2026-06-30",
        "x",
    ]
    assert neutral(T(2026, 6, 30, 9, 5)) == "2026-06-30 09:05:00"
    assert history_tables()[:3] == ("projects", "indicators", "indicator_values")
    assert "roadmaps" not in history_tables() and "roadmap_directions" in history_tables()
