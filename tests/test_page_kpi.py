"""The KPI page under AppTest: the demo's numbers as the metrics compute them, grouping, trend,
a filter, the language, the empty store, and no raw catalog key on screen."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from i18n import catalog, t
from loaders import store
from metrics import kpi
from metrics.common import Filters
from tests.apptest import errors, open_page, select
from tests.builders import D, make_store, project
from ui import kpi_view

AS_OF = dt.date(2026, 9, 30)


def frame(at: AppTest, header_key: str, lang: str = "kk") -> pd.DataFrame:
    """The shown table that has the column headed ``header_key``."""
    header = t(header_key, lang)
    (df,) = [d.value for d in at.dataframe if header in d.value.columns]
    return df


def figures(at: Any) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def texts(at: Any) -> list[str]:
    """Every piece of text the page shows (headers, captions, labels, options, table headers
    and cells, chart titles)."""
    out = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info") for e in at.get(kind)]
    out += [m.label for m in at.metric] + [m.value for m in at.metric] + [tab.label for tab in at.tabs]
    for widget in [*at.selectbox, *at.segmented_control]:
        out += [widget.label, *map(str, widget.options)]
    for df in at.dataframe:
        out += [str(c) for c in df.value.columns]
        out += [v for v in df.value.to_numpy().ravel() if isinstance(v, str)]
    for fig in figures(at):
        layout = fig["layout"]
        out += [str(a.get("text", "")) for a in layout.get("annotations", [])]
        for axis in ("xaxis", "yaxis", "xaxis2"):
            out.append(str(layout.get(axis, {}).get("title", {}).get("text", "")))
        out += [str(trace.get("name", "")) for trace in fig["data"]]
    return out


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def test_demo_numbers_and_table(demo_db: Path) -> None:
    at = open_page("kpi")
    assert errors(at) == []
    con = store.connect(demo_db)
    indicators = kpi.indicator_achievement(con, AS_OF)
    portfolio = kpi.kpi_index(con, AS_OF, by="portfolio")["kpi_index"].iloc[0]
    cards = {m.label: m.value for m in at.metric}
    assert cards[t("kpi.portfolio_index", "kk")] == percent(portfolio) == "70%"
    counted = indicators[~indicators["project_cancelled"]]["status"].value_counts()
    for status in kpi.STATUSES:
        assert cards[t(f"indicator_status.{status}", "kk")] == str(counted.get(status, 0))

    table = frame(at, "kpi.latest_short")
    assert list(table[t("col.indicators.indicator_id", "kk")]) == list(indicators["indicator_id"])
    shown = table[t("kpi.achievement", "kk")].to_numpy()
    for got, want in zip(shown, indicators["achievement"] * 100, strict=True):
        assert (pd.isna(got) and math.isnan(want)) or got == want
    statuses = [t(f"indicator_status.{s}", "kk") for s in indicators["status"]]
    assert list(table[t("kpi.status", "kk")]) == statuses
    # no data is its own status, never 0 %: P02-KPI2 has no value yet
    row = table[table[t("col.indicators.indicator_id", "kk")] == "P02-KPI2"].iloc[0]
    assert pd.isna(row[t("kpi.achievement", "kk")]) and row[t("kpi.status", "kk")] == t(
        "indicator_status.no_data", "kk"
    )
    # a decreasing target (24 h → 4 h, now 9.5 h) is 72.5 % achieved and on track
    row = table[table[t("col.indicators.indicator_id", "kk")] == "P05-TI1"].iloc[0]
    assert row[t("kpi.achievement", "kk")] == 72.5 and row[t("kpi.status", "kk")] == t(
        "indicator_status.on_track", "kk"
    )

    programs = kpi.kpi_index(con, AS_OF, by="program").set_index("program")["kpi_index"]
    groups = frame(at, "kpi.index").set_index(t("col.projects.program", "kk"))[t("kpi.index", "kk")]
    assert groups.to_dict() == (programs * 100).to_dict()

    # the bullet chart: every counted indicator, its target and expected ticks, axis from the catalog
    axis = t("kpi.achievement_axis", "kk")
    bullets = next(f for f in figures(at) if f["layout"].get("xaxis", {}).get("title", {}).get("text") == axis)
    names = {trace.get("name") for trace in bullets["data"]}
    assert {t("kpi.target", "kk"), t("kpi.expected", "kk"), t("indicator_status.no_data", "kk")} <= names
    keys = set(catalog())
    assert [x for x in texts(at) if x in keys] == []


def test_grouping_by_criterion_and_by_project(demo_db: Path) -> None:
    at = open_page("kpi")
    at.segmented_control(key="kpi_group").set_value("criterion").run()
    assert errors(at) == []
    con = store.connect(demo_db)
    by_criterion = kpi.kpi_by_criterion(kpi.indicator_achievement(con, AS_OF))
    groups = frame(at, "kpi.index")
    labels = [t(f"enum.criterion.{c}", "kk") for c in by_criterion["criterion"]]
    assert list(groups[t("col.indicators.criterion", "kk")]) == labels
    assert list(groups[t("kpi.index", "kk")]) == list(by_criterion["kpi_index"] * 100)
    assert list(groups[t("indicator_status.no_data", "kk")]) == list(by_criterion["no_data"])

    at.segmented_control(key="kpi_group").set_value("project").run()
    assert errors(at) == []
    projects = frame(at, "kpi.index")[t("col.projects.name", "kk")]
    assert projects.iloc[0].startswith("P01 · ") and not projects.str.startswith("P11").any()  # P11 is cancelled


def test_trend_follows_the_chosen_project(demo_db: Path) -> None:
    at = open_page("kpi")
    _, per_project = kpi.kpi_trend(store.connect(demo_db), AS_OF)
    pick = at.selectbox(key="kpi_trend_project")
    assert [o.split(" · ")[0] for o in pick.options] == sorted(per_project["project_id"].unique())
    pick.set_value("P05").run()
    assert errors(at) == []
    titles = [f["layout"].get("title", {}).get("text") for f in figures(at)]
    assert t("kpi.trend_indicators", "kk", project="P05") in titles
    chart = next(f for f in figures(at) if f["layout"].get("title", {}).get("text") == titles[-1])
    assert {trace["name"] for trace in chart["data"]} == {"P05-KPI1", "P05-KPI2", "P05-TI1"}


def test_program_filter_narrows_the_page(demo_db: Path) -> None:
    at = open_page("kpi")
    program = "Кедендік әкімшілендіруді жаңғырту"
    select(at, "pmo_program").set_value(program).run()
    assert errors(at) == []
    con = store.connect(demo_db)
    indicators = kpi.indicator_achievement(con, AS_OF, Filters(program=program))
    assert list(frame(at, "kpi.latest_short")[t("col.indicators.indicator_id", "kk")]) == list(
        indicators["indicator_id"]
    )
    index = kpi.kpi_index(con, AS_OF, Filters(program=program), by="portfolio")["kpi_index"].iloc[0]
    assert {m.label: m.value for m in at.metric}[t("kpi.portfolio_index", "kk")] == percent(index) == "53%"


def test_russian(demo_db: Path) -> None:
    at = open_page("kpi")
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert at.title[0].value == t("page.kpi", "ru")
    assert t("kpi.portfolio_index", "ru") in [m.label for m in at.metric]
    assert t("kpi.latest_short", "ru") in frame(at, "kpi.latest_short", "ru").columns
    keys = set(catalog())
    assert [x for x in texts(at) if x in keys] == []


def test_empty_database(empty_db: Path) -> None:
    at = open_page("kpi")
    assert errors(at) == []
    assert at.info and at.info[0].value.startswith("**" + t("common.empty_title", "kk"))
    assert not at.metric and not at.dataframe


def test_group_of_projects_outside_a_program(tmp_path: Path) -> None:
    """A project without a program is its own group, named in words, with its index."""
    con = make_store(
        tmp_path / "s.duckdb",
        {
            "projects": [project("A"), project("B", program=None)],
            "indicators": [
                {
                    "indicator_id": f"{p}-1",
                    "project_id": p,
                    "name": "n",
                    "baseline": 0,
                    "target": 10,
                    "deadline": D(2026, 12, 31),
                }
                for p in ("A", "B")
            ],
            "indicator_values": [
                {"indicator_id": "A-1", "period_end": D(2026, 6, 30), "actual": 5},
                {"indicator_id": "B-1", "period_end": D(2026, 6, 30), "actual": 2},
            ],
        },
    )
    indicators = kpi.indicator_achievement(con, AS_OF)
    groups = kpi_view.group_table(indicators, "program", kpi.kpi_index(con, AS_OF, by="program"), {})
    assert list(groups["label"]) == ["Tax", t("kpi.no_program", "kk")]
    assert list(groups["kpi_index"]) == [0.5, 0.2]
    assert list(groups["indicators"]) == [1, 1]


def test_the_bullets_keep_the_weakest_when_there_are_too_many() -> None:
    statuses = ["achieved", "missed", "on_track", "no_data", "at_risk", "off_track", "off_track"]
    indicators = pd.DataFrame(
        {
            "indicator_id": [f"I{i}" for i in range(len(statuses))] + ["CANCELLED"],
            "status": [*statuses, "missed"],
            "achievement": [1.0, 0.1, 0.8, None, 0.5, 0.45, 0.2, 0.0],
            "expected": [0.9, 1.0, 0.7, 0.6, 0.6, 0.9, 0.5, 1.0],
            "project_cancelled": [False] * len(statuses) + [True],
        }
    )
    drawn, total = kpi_view.weakest(indicators, limit=4)
    assert total == 7  # the cancelled project's indicator does not count
    # missed first, then off track by the gap to the expected level (−0.45 before −0.3), then at risk
    assert drawn["indicator_id"].tolist() == ["I1", "I5", "I6", "I4"]
    everything, _ = kpi_view.weakest(indicators, limit=10)
    assert len(everything) == 7
