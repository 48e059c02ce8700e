"""Budget absorption; financed and "additional funding required" apart (DOMAIN §4.5; DT §17.2)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import cast

import pytest

from metrics.budget import budget_lines, budget_summary
from tests.builders import D, make_store, project


def line(pid: str, year: int, source: str, planned: float, spent: float | None) -> dict[str, object]:
    return {"project_id": pid, "year": year, "funding_source": source, "planned": planned, "spent": spent}


def test_absorption_and_summaries(tmp_path: Path) -> None:
    con = make_store(
        tmp_path / "b.duckdb",
        {
            "projects": [project("P1"), project("P2"), project("P3", status="cancelled")],
            "budget": [
                line("P1", 2026, "republican_budget", 1000, 750),
                line("P1", 2027, "republican_budget", 500, None),  # future year: nothing spent yet
                line("P1", 2026, "local_budget", 0, 0),  # planned 0: no absorption
                line("P2", 2026, "extra_budgetary", 200, 210),
                line("P2", 2027, "additional_funding_required", 300, None),
                line("P3", 2026, "republican_budget", 400, 100),
            ],
        },
    )
    lines = budget_lines(con, D(2026, 9, 30)).set_index(["project_id", "year", "funding_source"])
    assert lines.loc[("P1", 2026, "republican_budget"), "absorption"] == 75
    assert math.isnan(cast(float, lines.loc[("P1", 2027, "republican_budget"), "absorption"]))
    assert math.isnan(cast(float, lines.loc[("P1", 2026, "local_budget"), "absorption"]))
    assert lines.loc[("P2", 2026, "extra_budgetary"), "absorption"] == pytest.approx(105)
    assert not lines.loc[("P2", 2027, "additional_funding_required"), "financed"]
    summary = budget_summary(budget_lines(con, D(2026, 9, 30)), ["financed"]).set_index("financed")
    # financed, cancelled P3 left out: planned 1700; absorption over the reported lines (1000 + 0 + 200)
    assert summary.loc[True, "planned"] == 1700 and summary.loc[True, "spent"] == 960
    assert summary.loc[True, "absorption"] == pytest.approx(960 / 1200 * 100)
    assert summary.loc[False, "planned"] == 300 and math.isnan(cast(float, summary.loc[False, "spent"]))
    by_source = budget_summary(budget_lines(con, D(2026, 9, 30)), ["funding_source"]).set_index("funding_source")
    assert by_source.loc["republican_budget", "planned"] == 1500
