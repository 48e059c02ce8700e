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
