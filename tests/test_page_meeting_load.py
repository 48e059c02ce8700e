"""The meeting load page (DOMAIN §4.3; Reg §33–38) under AppTest, checked against the metrics."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import catalog, t
from loaders import store
from metrics.meetings import meeting_load, meeting_overruns, over_allocated, person_load
from tests.apptest import errors, open_page, select

AS_OF = dt.date(2026, 9, 30)


def frames(db: Path) -> dict[str, pd.DataFrame]:
    con = store.connect(db)
    try:
        return {
            "load": meeting_load(con, AS_OF),
            "overruns": meeting_overruns(con, AS_OF),
            "over_allocated": over_allocated(con, AS_OF),
        }
    finally:
        con.close()


def metric(at: AppTest, key: str, lang: str = "kk") -> str:
    return next(m.value for m in at.metric if m.label == t(key, lang))


def table_with(at: AppTest, header_key: str, lang: str = "kk") -> pd.DataFrame:
    header = t(header_key, lang)
    found = [d.value for d in at.dataframe if header in d.value.columns]
    assert found, f"no table with column {header!r}"
    return found[0]


def heatmap(at: AppTest) -> dict[str, Any]:
    (chart,) = at.get("plotly_chart")
    trace: dict[str, Any] = json.loads(chart.proto.spec)["data"][0]
    return trace


def texts(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for w in [*at.selectbox, *at.multiselect, *at.radio, *at.text_input]:
        out += [w.label, *map(str, getattr(w, "options", []))]
    out += [e.label for e in at.expander]
    for d in at.dataframe:
        out += list(d.value.columns)
    return out


def test_window_and_headline_numbers(demo_db: Path) -> None:
    want = frames(demo_db)
    at = open_page("meeting_load")
    assert errors(at) == []
    window = [m.value for m in at.markdown if "29.06.2026" in m.value]
    assert window and "27.09.2026" in window[0] and "2026-W27" in window[0] and "2026-W39" in window[0]
    assert metric(at, "meeting_load.people") == str(want["load"]["person"].str.casefold().nunique())
    assert metric(at, "meeting_load.overruns") == str(want["overruns"]["meeting_id"].nunique()) == "30"
    assert metric(at, "meeting_load.over_allocated") == str(len(want["over_allocated"])) == "1"


def test_heatmap_shows_the_worst_people_by_total_load(demo_db: Path) -> None:
    totals = person_load(frames(demo_db)["load"])
    mean = totals.groupby("person")["load_pct"].mean()
    worst = sorted(mean.index, key=lambda p: (-mean[p], p.casefold()))[:20]  # ties by name
    at = open_page("meeting_load")
    trace = heatmap(at)
    assert trace["y"] == worst  # 20 rows by default, not every person
    assert len(trace["x"]) == 13  # the 13 ISO weeks of the window
    assert trace["x"][0] == "2026-W27" and trace["x"][-1] == "2026-W39"


def test_norm_compliance_per_person_and_project(demo_db: Path) -> None:
    load = frames(demo_db)["load"]
    normed = load[load["norm"].notna()]
    at = open_page("meeting_load")
    shown = table_with(at, "meeting_load.compliance")
    assert len(shown) == len(normed.groupby(["person", "project_id"]))
    rows = normed[normed["person"].eq("Азамат Серіков") & normed["project_id"].eq("P07")]
    row = shown[shown[t("col.team.person", "kk")].eq("Азамат Серіков")].iloc[0]
    assert row[t("meeting_load.norm", "kk")] == t("norm.2_per_week", "kk")
    assert row[t("meeting_load.compliance", "kk")] == pytest.approx(
        rows["attended"].sum() / rows["required"].sum() * 100
    )
    assert row[t("meeting_load.weeks", "kk")] == 13
    at.radio(key="meeting_load_norm_mode").set_value("week").run()
    assert len(table_with(at, "meeting_load.compliance")) == len(normed)


def test_overruns_by_type_and_over_allocated(demo_db: Path) -> None:
    want = frames(demo_db)
    overruns = want["overruns"]
    at = open_page("meeting_load")
    by_type = table_with(at, "meeting_load.minutes_over").set_index(t("col.meetings.type", "kk"))
    daily = overruns[overruns["type"].eq("daily")]
    row = by_type.loc[t("enum.meeting_type.daily", "kk")]
    assert row[t("meeting_load.meetings", "kk")] == daily["meeting_id"].nunique()
    assert row[t("meeting_load.minutes_over", "kk")] == daily["over_min"].sum()
    planning = by_type.loc[t("enum.meeting_type.sprint_planning", "kk")]
    assert planning[t("overrun.not_tuesday", "kk")] == overruns["reason"].eq("not_tuesday").sum()
    people = table_with(at, "meeting_load.total_allocation")
    assert people[t("col.team.person", "kk")].tolist() == want["over_allocated"]["person"].tolist()
    assert people[t("meeting_load.total_allocation", "kk")].tolist() == [110.0]


def test_choosing_a_project_and_the_compliance_view(demo_db: Path) -> None:
    load = frames(demo_db)["load"]
    p01 = load[load["project_id"].eq("P01")]
    at = open_page("meeting_load")
    select(at, "meeting_load_project").set_value("P01").run()
    assert errors(at) == []
    assert sorted(heatmap(at)["y"]) == sorted(p01["person"].unique())
    assert set(table_with(at, "meeting_load.compliance")[t("col.team.project_id", "kk")]) == {"P01"}
    select(at, "meeting_load_project").set_value(None)
    at.radio(key="meeting_load_measure").set_value("compliance").run()
    assert all(" · " in row for row in heatmap(at)["y"])  # compliance is per person and project


def test_finding_a_person(demo_db: Path) -> None:
    at = open_page("meeting_load")
    at.text_input(key="meeting_load_search").input("камила").run()
    assert heatmap(at)["y"] == ["Камила Жүнісова"]


def test_switching_to_russian(demo_db: Path) -> None:
    at = open_page("meeting_load")
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert t("meeting_load.people", "ru") in [m.label for m in at.metric]
    assert any("Период: последние 13 полных ISO-недель" in m.value for m in at.markdown)


def test_empty_database_explains(empty_db: Path) -> None:
    at = open_page("meeting_load")
    assert errors(at) == []
    assert at.info and t("common.empty_title", "kk") in at.info[0].value


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_no_raw_catalog_key_is_shown(demo_db: Path, lang: str) -> None:
    at = open_page("meeting_load", lang=lang)
    assert errors(at) == []
    assert not set(texts(at)) & set(catalog())
