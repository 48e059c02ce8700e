"""The risks page under AppTest: the demo's counts and lists as the metrics compute them, a cell
chosen by its probability and impact, zones from the settings, the language, the empty store, and
no raw catalog key on screen."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from i18n import catalog, t
from loaders import store
from metrics import risks, settings
from tests.apptest import errors, open_page, select
from tests.builders import as_user
from ui import risks_view

AS_OF = dt.date(2026, 9, 30)
ID = "col.risks.risk_id"


def register(path: Path) -> pd.DataFrame:
    return risks.risk_register(store.connect(path), AS_OF)


def counted(reg: pd.DataFrame) -> pd.DataFrame:
    """Open risks of projects that are not cancelled (what the page counts)."""
    return reg[reg["is_open"] & ~reg["project_cancelled"]]


def tables(at: Any) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def matrix(at: Any) -> dict[str, Any]:
    (chart,) = at.get("plotly_chart")
    spec: dict[str, Any] = json.loads(chart.proto.spec)
    return spec


def texts(at: Any) -> list[str]:
    out = [e.value for kind in ("title", "subheader", "caption", "markdown", "info") for e in at.get(kind)]
    out += [m.label for m in at.metric] + [tab.label for tab in at.tabs]
    for widget in at.selectbox:
        out += [widget.label, *map(str, widget.options)]
    for df in tables(at):
        out += [str(c) for c in df.columns] + [v for v in df.to_numpy().ravel() if isinstance(v, str)]
    layout = matrix(at)["layout"]
    out += [layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]]
    return out


def test_demo_counts_lists_and_register(demo_db: Path) -> None:
    at = open_page("risks")
    assert errors(at) == []
    reg = register(demo_db)
    live = counted(reg)
    cards = {m.label: m.value for m in at.metric}
    assert cards[t("risks.open", "kk")] == str(len(live)) == "30"
    assert cards[t("risks.open_high", "kk")] == str(live["priority"].eq("high").sum()) == "9"
    for flag in risks.FLAGS:
        assert cards[t(f"risks.card_{flag}", "kk")] == str(int(live[flag].sum()))
    # no cell chosen yet: the four flag lists and the register
    *shown, full = tables(at)
    assert len(shown) == 4
    for df, flag in zip(shown, risks_view.FLAG_ORDER, strict=True):
        assert list(df[t(ID, "kk")]) == list(live.loc[live[flag], "risk_id"])
    assert [tab.label for tab in at.tabs] == [
        f"{t(f'risk_flag.{flag}', 'kk')} · {int(live[flag].sum())}" for flag in risks_view.FLAG_ORDER
    ]
    stale = shown[risks_view.FLAG_ORDER.index("stale")]
    assert t("risks.review_due", "kk") in stale.columns
    mismatch = shown[risks_view.FLAG_ORDER.index("priority_mismatch")].set_index(t(ID, "kk"))
    assert mismatch.loc["P02-R3", t("risks.priority_typed", "kk")] == t("enum.priority.medium", "kk")
    assert mismatch.loc["P02-R3", t("risks.priority_derived", "kk")] == t("enum.priority.high", "kk")
    assert list(full[t(ID, "kk")]) == list(reg["risk_id"])  # the full register, all 42 risks
    # the matrix writes the heatmap's counts in its cells
    heat = matrix(at)["data"][0]
    grid = risks.heatmap(reg)
    assert heat["text"] == [[str(grid.loc[p, i]) if grid.loc[p, i] else "" for i in range(1, 6)] for p in range(1, 6)]
    keys = set(catalog())
    assert [x for x in texts(at) if x in keys] == []


def test_choosing_a_cell_lists_its_risks(demo_db: Path) -> None:
    at = open_page("risks")
    select(at, risks_view.PROBABILITY_KEY).set_value(3).run()
    assert len(at.dataframe) == 5  # only one coordinate chosen: no cell list yet
    select(at, risks_view.IMPACT_KEY).set_value(4).run()
    assert errors(at) == []
    expected = risks.risks_in_cell(register(demo_db), 3, 4)
    assert len(expected) == 6
    cell = at.dataframe[0].value
    assert list(cell[t(ID, "kk")]) == list(expected["risk_id"])
    assert any(risks_view.cell_caption(3, 4, 6).replace("**", "") in m.value for m in at.markdown)
    shapes = matrix(at)["layout"]["shapes"]
    assert [(s["x0"], s["y0"]) for s in shapes] == [(3.5, 2.5)]  # the chosen cell is outlined
    # another cell, an empty one
    select(at, risks_view.PROBABILITY_KEY).set_value(1).run()
    assert errors(at) == []
    assert any(t("common.nothing", "kk") == c.value for c in at.caption)


def test_a_click_on_the_matrix_chooses_the_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest cannot click a chart: the callback is fed a selection as Streamlit gives it."""
    state: dict[str, Any] = {risks_view.MATRIX_KEY: {"selection": {"points": [{"x": 4, "y": 3, "point_index": 13}]}}}
    monkeypatch.setattr(risks_view, "st", SimpleNamespace(session_state=state))
    risks_view.take_click()
    assert (state[risks_view.PROBABILITY_KEY], state[risks_view.IMPACT_KEY]) == (3, 4)
    state[risks_view.MATRIX_KEY] = {"selection": {"points": []}}  # a click that clears the selection
    risks_view.take_click()
    assert (state[risks_view.PROBABILITY_KEY], state[risks_view.IMPACT_KEY]) == (3, 4)


def test_zones_follow_the_settings(demo_db: Path) -> None:
    con = store.connect(demo_db)
    settings.set_value(con, "risk_high_min_score", 12, as_user("test"))
    at = open_page("risks")
    assert errors(at) == []
    z = matrix(at)["data"][0]["z"]  # rows probability 1–5, columns impact 1–5; 2 = high
    assert z[2][3] == 2 and z[1][4] == 1  # 3 × 4 = 12 is high now, 2 × 5 = 10 still medium
    assert any("≥ 12" in c.value for c in at.caption)
    live = counted(risks.risk_register(con, AS_OF))
    assert {m.label: m.value for m in at.metric}[t("risks.open_high", "kk")] == str(live["priority"].eq("high").sum())


def test_russian(demo_db: Path) -> None:
    at = open_page("risks")
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert at.title[0].value == t("page.risks", "ru")
    assert t("risks.open_high", "ru") in [m.label for m in at.metric]
    assert matrix(at)["layout"]["xaxis"]["title"]["text"] == t("risks.axis_impact", "ru")
    keys = set(catalog())
    assert [x for x in texts(at) if x in keys] == []


def test_empty_database(empty_db: Path) -> None:
    at = open_page("risks")
    assert errors(at) == []
    assert at.info and at.info[0].value.startswith("**" + t("common.empty_title", "kk"))
    assert not at.metric and not at.dataframe
