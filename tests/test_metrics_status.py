"""Computed RAG with its reasons, the coordinator's override, the quarterly agenda
(DOMAIN §4.6–4.7; Reg §34)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import cast

import duckdb
import pytest

from metrics.agenda import quarterly_agenda
from metrics.status import OverrideError, project_status, rag_counts, set_rag_override
from tests.builders import D, as_user, make_store, project

AS_OF = D(2026, 9, 30)


def risk(rid: str, pid: str, **kw: object) -> dict[str, object]:
    return {
        "risk_id": rid,
        "project_id": pid,
        "title": rid,
        "probability": 4,
        "impact": 4,
        "mitigation": "m",
        "identified_on": D(2026, 9, 1),
        **kw,
    }


def indicator(iid: str, pid: str, actual: float, **kw: object) -> tuple[dict[str, object], dict[str, object]]:
    row = {
        "indicator_id": iid,
        "project_id": pid,
        "name": iid,
        "baseline": 0,
        "target": 100,
        "deadline": D(2026, 12, 31),
        **kw,
    }
    return row, {"indicator_id": iid, "period_end": D(2026, 9, 30), "actual": actual}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    # 2026-09-30 of a 2026 project: expected = 272 / 364 ≈ 0.747; at risk ≥ 0.523, on track ≥ 0.673
    ind = [
        indicator("I-OFF", "RED-IND", 40),
        indicator("I-MISS", "RED-MISS", 50, deadline=D(2026, 6, 30)),
        indicator("I-RISK", "AMB-IND", 60),
        indicator("I-OK", "GREEN", 80),
    ]
    return make_store(
        tmp_path / "s.duckdb",
        {
            "projects": [
                project("RED-PASS", end_date=D(2026, 9, 1), program="B"),
                project("RED-ACT", program="A"),
                project("AMB-ACT", program="A"),
                project("RED-RISK", program="B"),
                project("AMB-RISK", program="A"),
                project("RED-IND", program="C"),
                project("RED-MISS", program="C"),
                project("AMB-IND", program="C"),
                project("GREEN", program="A"),
                project("CANCEL", status="cancelled", end_date=D(2026, 1, 31)),
            ],
            "activities": [
                {
                    "activity_id": "A31",
                    "project_id": "RED-ACT",
                    "name": "x",
                    "planned_end": AS_OF - dt.timedelta(days=31),
                },
                {
                    "activity_id": "A30",
                    "project_id": "AMB-ACT",
                    "name": "x",
                    "planned_end": AS_OF - dt.timedelta(days=30),
                },
            ],
            "risks": [
                risk("R-NOMIT", "RED-RISK", mitigation=None),
                risk("R-HIGH", "AMB-RISK"),
                risk("R-LOW", "GREEN", probability=1, impact=1),
            ],
            "indicators": [i for i, _ in ind],
            "indicator_values": [v for _, v in ind],
        },
    )


def test_rag_and_reasons(con: duckdb.DuckDBPyConnection) -> None:
    df = project_status(con, AS_OF).set_index("project_id")
    expected = {
        "RED-PASS": ("red", ["passport_overdue"]),
        "RED-ACT": ("red", ["activity_overdue_long:A31"]),  # overdue 31 days
        "AMB-ACT": ("amber", ["activity_overdue:A30"]),  # overdue exactly 30 days: not more than 30
        "RED-RISK": ("red", ["high_risk_no_mitigation:R-NOMIT"]),
        "AMB-RISK": ("amber", ["high_risk_open:R-HIGH"]),
        "RED-IND": ("red", ["indicator_off_track:I-OFF"]),
        "RED-MISS": ("red", ["indicator_missed:I-MISS"]),
        "AMB-IND": ("amber", ["indicator_at_risk:I-RISK"]),
        "GREEN": ("green", []),
    }
    for pid, (rag, reasons) in expected.items():
        assert (df.loc[pid, "rag"], cast(list[str], df.loc[pid, "rag_reasons"])) == (rag, reasons), pid
    assert df.loc["CANCEL", "rag"] is None and df.loc["CANCEL", "rag_effective"] is None
    assert rag_counts(project_status(con, AS_OF)) == {"red": 5, "amber": 3, "green": 1}


def test_override_beside_the_computed_rag(con: duckdb.DuckDBPyConnection) -> None:
    set_rag_override(
        con, "RED-IND", "amber", "Value is being re-measured", as_user("Coordinator"), at=dt.datetime(2026, 9, 29, 12)
    )
    df = project_status(con, AS_OF).set_index("project_id")
    assert df.loc["RED-IND", "rag"] == "red"
    assert df.loc["RED-IND", "rag_override"] == "amber"
    assert df.loc["RED-IND", "rag_effective"] == "amber"
    assert df.loc["RED-IND", "override_comment"] == "Value is being re-measured"
    assert df.loc["RED-IND", "override_author"] == "Coordinator"
    # an override made after the as-of date does not change the picture as it stood then
    set_rag_override(con, "GREEN", "red", "later", as_user("Coordinator"), at=dt.datetime(2026, 10, 5))
    assert project_status(con, AS_OF).set_index("project_id").loc["GREEN", "rag_effective"] == "green"
    assert project_status(con, D(2026, 10, 5)).set_index("project_id").loc["GREEN", "rag_effective"] == "red"
    # clearing
    set_rag_override(con, "RED-IND", None, "measured again", as_user("Coordinator"), at=dt.datetime(2026, 9, 30, 8))
    assert project_status(con, AS_OF).set_index("project_id").loc["RED-IND", "rag_effective"] == "red"


@pytest.mark.parametrize(
    ("pid", "rag", "comment", "code"),
    [
        ("GREEN", "blue", "x", "override_bad_rag"),
        ("GREEN", "red", "  ", "override_needs_comment"),
        ("NOPE", "red", "x", "override_unknown_project"),
    ],
)
def test_override_refused(con: duckdb.DuckDBPyConnection, pid: str, rag: str, comment: str, code: str) -> None:
    with pytest.raises(OverrideError) as err:
        set_rag_override(con, pid, rag, comment, as_user("Coordinator"))
    assert err.value.code == code


def test_agenda(con: duckdb.DuckDBPyConnection) -> None:
    by_program = quarterly_agenda(con, AS_OF)
    assert len(by_program) == 9  # the cancelled project does not report
    assert by_program["start"].tolist()[:3] == ["10:00", "10:20", "10:40"]
    assert by_program["end"].iloc[-1] == "13:00"  # 9 teams × 20 min
    assert by_program["program"].tolist() == ["A"] * 4 + ["B"] * 2 + ["C"] * 3
    by_status = quarterly_agenda(con, AS_OF, order="status", start=dt.time(9, 30))
    assert by_status["rag"].tolist() == ["red"] * 5 + ["amber"] * 3 + ["green"]
    assert by_status["start"].iloc[0] == "09:30"
    edited = quarterly_agenda(con, AS_OF, project_ids=["GREEN", "RED-ACT"])
    assert edited["project_id"].tolist() == ["GREEN", "RED-ACT"]
    assert edited["start"].tolist() == ["10:00", "10:20"]


# --------------------------------------------------------------------------------------------
# Which projects a RAG applies to (DOMAIN §4.6) and the curator's decision list


@pytest.fixture
def stages(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """One project per lifecycle case, each with an overdue activity (so each would be amber if a
    RAG applied to it) and two indicators, one achieved and one missed."""
    cases: dict[str, dict[str, object]] = {
        "PLAN": {"status": "planning"},
        "EXEC": {"status": "execution"},
        "BLANK": {"status": None},  # no status: counts as execution
        "INIT": {"status": "initiation"},
        "SUSP": {"status": "suspended"},
        "DONE": {"status": "completed", "completed_on": D(2026, 9, 15)},
        "DONE-UNDATED": {"status": "completed"},
        "DONE-LATER": {"status": "completed", "completed_on": D(2026, 10, 15)},  # after the as-of date
        "CANCEL": {"status": "cancelled"},
    }
    acts, inds, vals = [], [], []
    for pid in cases:
        acts.append({"activity_id": f"{pid}-A", "project_id": pid, "name": "x", "planned_end": D(2026, 9, 20)})
        for suffix, actual, deadline in (("OK", 100, D(2026, 12, 31)), ("MISS", 10, D(2026, 6, 30))):
            row, value = indicator(f"{pid}-{suffix}", pid, actual, deadline=deadline)
            inds.append(row)
            vals.append(value)
    return make_store(
        tmp_path / "stages.duckdb",
        {
            "projects": [project(pid, **kw) for pid, kw in cases.items()],
            "activities": acts,
            "indicators": inds,
            "indicator_values": vals,
        },
    )


def test_a_rag_applies_in_planning_and_execution_only(stages: duckdb.DuckDBPyConnection) -> None:
    df = project_status(stages, AS_OF).set_index("project_id")
    lifecycle = df["lifecycle"].to_dict()
    assert lifecycle == {
        "BLANK": "execution",
        "CANCEL": "cancelled",
        "DONE": "completed",
        "DONE-LATER": "execution",  # its completion, on 15.10, had not happened on 30.09
        "DONE-UNDATED": "completed",
        "EXEC": "execution",
        "INIT": "initiation",
        "PLAN": "planning",
        "SUSP": "suspended",
    }
    live = {"PLAN", "EXEC", "BLANK", "DONE-LATER"}
    assert set(df.index[df["live"]]) == live
    for pid in df.index:
        if pid in live:  # the missed indicator makes each red
            assert df.loc[pid, "rag"] == "red" and df.loc[pid, "rag_effective"] == "red", pid
        else:
            assert df.loc[pid, "rag"] is None and df.loc[pid, "rag_effective"] is None, pid
    # a completed project shows its final result instead: one indicator achieved, one missed
    assert (
        df.loc["DONE", "indicators"],
        df.loc["DONE", "indicators_achieved"],
        df.loc["DONE", "indicators_missed"],
    ) == (
        2,
        1,
        1,
    )
    assert rag_counts(project_status(stages, AS_OF)) == {"red": 4, "amber": 0, "green": 0}
    from metrics.report import headline, picture

    portfolio = headline(picture(stages, AS_OF))
    assert (portfolio["projects"], portfolio["active_projects"]) == (9, 4)
    # an override of a project no RAG applies to counts for nothing
    set_rag_override(stages, "DONE", "green", "closed well", as_user("Coordinator"), at=dt.datetime(2026, 9, 20))
    assert project_status(stages, AS_OF).set_index("project_id").loc["DONE", "rag_effective"] is None


def test_the_decision_list_puts_the_worst_first(con: duckdb.DuckDBPyConnection) -> None:
    """Red before amber before green; within red, passport overdue, then a missed indicator, an
    off-track one, a high risk without mitigation, an activity long overdue; within amber, an
    overdue activity, an open high risk, an indicator at risk."""
    from metrics.status import decision_list

    ordered = decision_list(project_status(con, AS_OF))
    assert ordered["project_id"].tolist() == [
        "RED-PASS",
        "RED-MISS",
        "RED-IND",
        "RED-RISK",
        "RED-ACT",
        "AMB-ACT",
        "AMB-RISK",
        "AMB-IND",
        "GREEN",
    ]  # CANCEL: no RAG, not in the list
    first = ordered.iloc[0]
    assert (first["main_reason"], first["other_reasons"]) == ("passport_overdue", 0)
    # an override moves a project by its effective RAG: GREEN marked red comes after the computed reds
    set_rag_override(con, "GREEN", "red", "escalated", as_user("Coordinator"), at=dt.datetime(2026, 9, 29))
    ordered = decision_list(project_status(con, AS_OF))
    assert ordered["project_id"].tolist()[:6] == ["RED-PASS", "RED-MISS", "RED-IND", "RED-RISK", "RED-ACT", "GREEN"]


def test_more_grave_reasons_come_first_within_a_colour(tmp_path: Path) -> None:
    """Two red projects with an off-track indicator: the one with two of them, then the one with
    one and a long-overdue activity (more reasons), then the one with only the indicator."""
    from metrics.status import decision_list

    ind = [
        indicator("A1", "TWO-OFF", 40),
        indicator("A2", "TWO-OFF", 40),
        indicator("B1", "OFF-AND-ACT", 40),
        indicator("C1", "OFF", 40),
    ]
    con = make_store(
        tmp_path / "grave.duckdb",
        {
            "projects": [project("OFF"), project("OFF-AND-ACT"), project("TWO-OFF")],
            "activities": [
                {"activity_id": "X", "project_id": "OFF-AND-ACT", "name": "x", "planned_end": D(2026, 8, 1)}
            ],
            "indicators": [i for i, _ in ind],
            "indicator_values": [v for _, v in ind],
        },
    )
    ordered = decision_list(project_status(con, AS_OF))
    assert ordered["project_id"].tolist() == ["TWO-OFF", "OFF-AND-ACT", "OFF"]
    assert ordered["other_reasons"].tolist() == [1, 1, 0]
