"""Risk score, priority, heatmap and flags (DOMAIN §4.2), hand-computed."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import duckdb
import pandas as pd
import pytest

from metrics import settings as settings_mod
from metrics.risks import heatmap, risk_heatmap, risk_register, risks_in_cell
from tests.builders import D, as_user, make_store, project

AS_OF = D(2026, 6, 30)


def risk(rid: str, p: int, i: int, pid: str = "P1", **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "risk_id": rid,
        "project_id": pid,
        "title": rid,
        "probability": p,
        "impact": i,
        "identified_on": D(2026, 5, 1),
        "mitigation": "m",
        "alternative_plan": "a",
    }
    row.update(kw)
    return row


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return make_store(
        tmp_path / "risks.duckdb",
        {
            "projects": [project("P1"), project("P2", status="cancelled")],
            "risks": [
                risk("LOW4", 2, 2),
                risk("MED5", 1, 5),
                risk("MED12", 3, 4),
                risk("HIGH15", 3, 5),
                risk("TYPED", 5, 4, priority="medium"),  # score 20 typed medium: mismatch
                risk("TYPED-HIGH", 1, 2, priority="high", mitigation=None),  # typed high counts as high
                risk("NOMIT", 5, 5, mitigation=None),
                risk("NOALT", 4, 4, alternative_plan=" "),
                # never reviewed: 2026-01-01 + 92 days = 2026-04-03 < as-of → stale
                risk("NEVER", 2, 3, identified_on=D(2026, 1, 1)),
                risk("R92", 2, 3, identified_on=D(2026, 1, 1), last_reviewed_on=D(2026, 3, 30)),  # exactly 92 days
                risk("R93", 2, 3, identified_on=D(2026, 1, 1), last_reviewed_on=D(2026, 3, 29)),  # 93 days
                # reassessed after the as-of date: the register keeps only that one, taken as is
                risk("RLATER", 2, 4, identified_on=D(2026, 1, 1), last_reviewed_on=D(2026, 8, 1)),
                risk("CLOSED", 5, 5, status="closed", mitigation=None, identified_on=D(2025, 1, 1)),
                risk("OCCURRED", 4, 5, status="occurred"),
                risk("FUTURE", 3, 3, identified_on=D(2026, 7, 15)),  # not known on the as-of date
                risk("CANCELLED", 5, 5, pid="P2", mitigation=None),
            ],
        },
    )


def test_score_and_priority(con: duckdb.DuckDBPyConnection) -> None:
    reg = risk_register(con, AS_OF).set_index("risk_id")
    assert reg.loc["HIGH15", "score"] == 15
    assert reg.loc["LOW4", "priority"] == "low"
    assert reg.loc["MED5", "priority"] == "medium"
    assert reg.loc["MED12", "priority"] == "medium"
    assert reg.loc["HIGH15", "priority"] == "high"
    assert reg.loc["TYPED", "priority"] == "medium"
    assert reg.loc["TYPED", "priority_derived"] == "high"
    assert reg.loc["TYPED", "priority_typed"] == "medium"
    assert reg.loc["TYPED", "flags"] == ["priority_mismatch"]
    assert reg.loc["HIGH15", "priority_typed"] is None and not reg.loc["HIGH15", "priority_mismatch"]
    assert "FUTURE" not in reg.index


def test_flags(con: duckdb.DuckDBPyConnection) -> None:
    reg = risk_register(con, AS_OF).set_index("risk_id")
    assert reg.loc["NOMIT", "flags"] == ["no_mitigation"]
    assert reg.loc["NOALT", "flags"] == ["no_alternative_plan"]
    assert reg.loc["TYPED-HIGH", "flags"] == ["no_mitigation", "priority_mismatch"]
    assert reg.loc["NEVER", "flags"] == ["stale"]
    assert str(cast(pd.Timestamp, reg.loc["NEVER", "review_due"]).date()) == "2026-04-03"
    assert reg.loc["R92", "flags"] == []
    assert reg.loc["R93", "flags"] == ["stale"]
    assert reg.loc["RLATER", "flags"] == []
    # flags are for open risks only
    assert reg.loc["CLOSED", "flags"] == [] and not reg.loc["CLOSED", "is_open"]
    assert not reg.loc["OCCURRED", "is_open"]


def test_heatmap_counts_open_risks_of_live_projects(con: duckdb.DuckDBPyConnection) -> None:
    grid = risk_heatmap(con, AS_OF)
    assert grid.shape == (5, 5)
    assert grid.loc[5, 5] == 1  # NOMIT; CLOSED and the cancelled project's risk are left out
    assert grid.loc[2, 3] == 3  # NEVER, R92, R93
    assert grid.loc[4, 5] == 0  # OCCURRED is not open
    assert int(grid.to_numpy().sum()) == 12  # the 12 open risks of P1
    cell = risks_in_cell(risk_register(con, AS_OF), 2, 3)
    assert sorted(cell["risk_id"]) == ["NEVER", "R92", "R93"]


def test_settings_drive_the_rules(con: duckdb.DuckDBPyConnection) -> None:
    settings_mod.set_value(con, "risk_review_days", 200, as_user("admin"))
    settings_mod.set_value(con, "risk_high_min_score", 20, as_user("admin"))
    reg = risk_register(con, AS_OF).set_index("risk_id")
    assert reg.loc["NEVER", "flags"] == []
    assert reg.loc["HIGH15", "priority"] == "medium"
    settings_mod.reset(con, as_user("admin"))
    assert risk_register(con, AS_OF).set_index("risk_id").loc["NEVER", "flags"] == ["stale"]


def test_heatmap_of_empty_register(tmp_path: Path) -> None:
    con = make_store(tmp_path / "e.duckdb", {"projects": [project("P1")]})
    grid = heatmap(risk_register(con, AS_OF))
    assert int(grid.to_numpy().sum()) == 0 and grid.shape == (5, 5)
