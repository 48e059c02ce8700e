"""KPI achievement, expected fraction, status and roll-ups (DOMAIN §4.1), hand-computed."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import cast

import duckdb
import pandas as pd
import pytest
from pandas.api.typing import NaTType

from loaders import store
from metrics.common import Filters, scope_ids
from metrics.kpi import indicator_achievement, kpi_by_criterion, kpi_index, kpi_trend, trend_band, trend_in_scope
from tests.builders import D, make_store, project

# project start 2026-01-01, deadline 2026-12-31 (364 days): on 2026-07-02 (182 days) expected = 0.5
AS_OF = D(2026, 7, 2)


def ind(iid: str, pid: str = "P1", **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "indicator_id": iid,
        "project_id": pid,
        "name": iid,
        "baseline": 0,
        "target": 100,
        "deadline": D(2026, 12, 31),
    }
    row.update(kw)
    return row


def val(iid: str, period: object, actual: float) -> dict[str, object]:
    return {"indicator_id": iid, "period_end": period, "actual": actual}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return make_store(
        tmp_path / "kpi.duckdb",
        {
            "projects": [
                project("P1"),
                project("P2", program="Customs"),
                project("P3", status="cancelled"),
                project("P4", program="Customs"),
            ],
            "indicators": [
                ind("FLAT-HIT", baseline=5, target=5),  # target = baseline, reached
                ind("FLAT-MISS", baseline=5, target=5),  # target = baseline, not reached
                ind("DEC", baseline=48, target=24, direction="decrease"),  # decreasing target
                ind("NODATA"),
                ind("LATER"),  # only a value after the as-of date
                ind("ONTRACK"),
                ind("ATRISK"),
                ind("OFFTRACK"),
                ind("MISSED", deadline=D(2026, 6, 30)),
                ind("W1", pid="P2", weight=1),
                ind("W2", pid="P2", weight=2),
                ind("Q", pid="P4", criterion="transparency"),
                ind("CANCELLED", pid="P3"),
            ],
            "indicator_values": [
                val("FLAT-HIT", D(2026, 6, 30), 5),
                val("FLAT-MISS", D(2026, 6, 30), 4),
                val("DEC", D(2026, 3, 31), 40),
                val("DEC", D(2026, 6, 30), 36),
                val("LATER", D(2026, 9, 30), 90),
                val("ONTRACK", D(2026, 6, 30), 46),
                val("ATRISK", D(2026, 6, 30), 36),
                val("OFFTRACK", D(2026, 6, 30), 30),
                val("MISSED", D(2026, 6, 30), 80),
                val("W1", D(2026, 6, 30), 50),
                val("W2", D(2026, 6, 30), 120),
                val("Q", "2026-Q2", 70),  # a quarter label: 2026-06-30
                val("CANCELLED", D(2026, 6, 30), 10),
            ],
        },
    )


def by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("indicator_id")


def test_achievement_and_status(con: duckdb.DuckDBPyConnection) -> None:
    df = by_id(indicator_achievement(con, AS_OF))
    assert df.loc["FLAT-HIT", "achievement"] == 1 and df.loc["FLAT-HIT", "status"] == "achieved"
    assert df.loc["FLAT-MISS", "achievement"] == 0 and df.loc["FLAT-MISS", "status"] == "off_track"
    # decrease: (36 − 48) / (24 − 48) = 0.5; expected 0.5 → 0.5 ≥ 0.45 → on track
    assert df.loc["DEC", "achievement"] == pytest.approx(0.5)
    assert df.loc["DEC", "latest_actual"] == 36
    assert df.loc["DEC", "status"] == "on_track"
    assert math.isnan(cast(float, df.loc["NODATA", "achievement"])) and df.loc["NODATA", "status"] == "no_data"
    # the value dated after the as-of date is ignored
    assert df.loc["LATER", "status"] == "no_data" and pd.isna(
        cast(pd.Timestamp | NaTType, df.loc["LATER", "latest_period"])
    )
    assert df.loc["ONTRACK", "expected"] == pytest.approx(0.5)
    assert df.loc["ONTRACK", "status"] == "on_track"  # 0.46 ≥ 0.9 × 0.5
    assert df.loc["ATRISK", "status"] == "at_risk"  # 0.36 ≥ 0.7 × 0.5 = 0.35
    assert df.loc["OFFTRACK", "status"] == "off_track"  # 0.30 < 0.35
    assert df.loc["MISSED", "status"] == "missed"  # deadline 2026-06-30 before the as-of date, 0.8 < 1
    assert df.loc["MISSED", "expected"] == 1


def test_value_after_as_of_counts_later(con: duckdb.DuckDBPyConnection) -> None:
    df = by_id(indicator_achievement(con, D(2026, 10, 1)))
    assert df.loc["LATER", "latest_actual"] == 90 and df.loc["LATER", "achievement"] == pytest.approx(0.9)


def test_quarter_label_value(con: duckdb.DuckDBPyConnection) -> None:
    df = by_id(indicator_achievement(con, AS_OF))
    assert df.loc["Q", "latest_period"] == pd.Timestamp("2026-06-30")
    assert df.loc["Q", "achievement"] == pytest.approx(0.7)
    assert indicator_achievement(con, D(2026, 6, 29)).set_index("indicator_id").loc["Q", "status"] == "no_data"


def test_expected_fraction_clipped() -> None:
    from metrics.kpi import expected_fraction

    start = pd.Series(pd.to_datetime(["2026-01-01", "2026-01-01", "2026-05-01"]))
    deadline = pd.Series(pd.to_datetime(["2026-12-31", "2026-12-31", "2026-04-01"]))
    before = expected_fraction(D(2025, 12, 1), start, deadline)
    assert before.tolist()[:2] == [0.0, 0.0]
    assert before.tolist()[2] == 1.0  # deadline not after the start → 1
    assert expected_fraction(D(2027, 6, 1), start, deadline).tolist() == [1.0, 1.0, 1.0]


def test_weighted_project_index(con: duckdb.DuckDBPyConnection) -> None:
    idx = kpi_index(con, AS_OF).set_index("project_id")
    # P2: W1 0.5 (weight 1), W2 1.2 clipped to 1 (weight 2) → (0.5 + 2) / 3
    assert idx.loc["P2", "kpi_index"] == pytest.approx(2.5 / 3)
    assert idx.loc["P2", "with_data"] == 2
    # P1: indicators with data only (NODATA, LATER left out): FLAT-HIT 1, FLAT-MISS 0, DEC 0.5,
    # ONTRACK 0.46, ATRISK 0.36, OFFTRACK 0.30, MISSED 0.8 → mean 3.42 / 7
    assert idx.loc["P1", "kpi_index"] == pytest.approx(3.42 / 7)
    assert pd.isna(cast(float, idx.loc["P3", "kpi_index"]))  # cancelled: left out of roll-ups


def test_program_and_portfolio_index_are_plain_means(con: duckdb.DuckDBPyConnection) -> None:
    p1, p2, p4 = 3.42 / 7, 2.5 / 3, 0.7
    program = kpi_index(con, AS_OF, by="program").set_index("program")
    assert program.loc["Tax", "kpi_index"] == pytest.approx(p1)  # P3 is cancelled
    assert program.loc["Customs", "kpi_index"] == pytest.approx((p2 + p4) / 2)
    portfolio = kpi_index(con, AS_OF, by="portfolio")
    assert portfolio["kpi_index"].iloc[0] == pytest.approx((p1 + p2 + p4) / 3)
    assert portfolio["projects"].iloc[0] == 3


def test_filters(con: duckdb.DuckDBPyConnection) -> None:
    df = indicator_achievement(con, AS_OF, Filters(program="Customs"))
    assert set(df["project_id"]) == {"P2", "P4"}
    df = indicator_achievement(con, AS_OF, Filters(project_ids=("P4",)))
    assert df["indicator_id"].tolist() == ["Q"]


def test_trend(con: duckdb.DuckDBPyConnection) -> None:
    per_indicator, per_project = kpi_trend(con, AS_OF)
    dec = per_indicator[per_indicator["indicator_id"] == "DEC"]
    assert dec["achievement"].round(4).tolist() == [round(8 / 24, 4), 0.5]  # 2026-03-31: (40−48)/(24−48)
    assert "LATER" not in set(per_indicator["indicator_id"])
    p1 = per_project[per_project["project_id"] == "P1"].set_index("period")
    # at 2026-03-31 only DEC had a value
    assert p1.loc[pd.Timestamp("2026-03-31"), "kpi_index"] == pytest.approx(8 / 24)
    assert p1.loc[pd.Timestamp("2026-06-30"), "kpi_index"] == pytest.approx(3.42 / 7)


def test_trend_band_carries_each_project_latest_index_to_the_quarter_ends() -> None:
    per_project = pd.DataFrame(
        {
            "project_id": ["P1", "P1", "P2", "P3"],
            "period": [dt.date(2026, 1, 31), dt.date(2026, 4, 30), dt.date(2026, 3, 31), dt.date(2026, 6, 15)],
            "kpi_index": [0.2, 0.5, 0.4, 0.9],
        }
    )
    band = trend_band(per_project, dt.date(2026, 7, 10)).set_index("period")
    assert list(pd.DatetimeIndex(band.index).date) == [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 7, 10)]
    march = band.loc[pd.Timestamp("2026-03-31")]
    assert march["projects"] == 2 and march["mean"] == pytest.approx(0.3)  # P3 has no index yet
    june = band.loc[pd.Timestamp("2026-06-30")]
    assert june["projects"] == 3
    assert (june["mean"], june["median"]) == (pytest.approx(0.6), pytest.approx(0.5))
    assert (june["q25"], june["q75"]) == (pytest.approx(0.45), pytest.approx(0.7))
    assert band.loc[pd.Timestamp("2026-07-10"), "mean"] == pytest.approx(0.6)  # nothing new since June
    assert trend_band(per_project.iloc[:0], dt.date(2026, 7, 10)).empty


def test_by_criterion(con: duckdb.DuckDBPyConnection) -> None:
    out = kpi_by_criterion(indicator_achievement(con, AS_OF)).set_index("criterion")
    assert out.loc["transparency", "indicators"] == 1
    assert out.loc["transparency", "kpi_index"] == pytest.approx(0.7)
    assert out.loc["transparency", "on_track"] == 1


def test_the_trend_of_a_filter_is_the_unfiltered_trend_cut_to_its_projects(demo_store: Path) -> None:
    """The dashboard computes the trend once and cuts it per filter (``trend_in_scope``): it must
    be what computing it with the filter gives."""
    _, demo_con = store.snapshot(demo_store)
    as_of = dt.date(2026, 9, 30)
    everything = kpi_trend(demo_con, as_of)
    programs = [r[0] for r in demo_con.execute("SELECT DISTINCT program FROM projects ORDER BY 1").fetchall()]
    curators = [r[0] for r in demo_con.execute("SELECT DISTINCT curator FROM projects ORDER BY 1").fetchall()]
    cases = [Filters(program=p) for p in programs] + [Filters(curator=c) for c in curators[:3]]
    cases.append(Filters(project_ids=("P01", "P03")))
    for f in cases:
        wanted = kpi_trend(demo_con, as_of, f)
        got = trend_in_scope(everything, scope_ids(demo_con, f))
        for a, b in zip(got, wanted, strict=True):
            pd.testing.assert_frame_equal(a, b.reset_index(drop=True))
