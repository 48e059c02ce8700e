"""The budget page (DOMAIN §4.5; DT §17.2) under AppTest, checked against the metric functions."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import catalog, t
from loaders import store
from metrics.budget import UNFUNDED, budget_lines, budget_summary
from tests.apptest import errors, open_page, select

AS_OF = dt.date(2026, 9, 30)


def lines(db: Path) -> pd.DataFrame:
    con = store.connect(db)
    try:
        return budget_lines(con, AS_OF)
    finally:
        con.close()


def money(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0")


def metric(at: AppTest, key: str, lang: str = "kk") -> str:
    return next(m.value for m in at.metric if m.label == t(key, lang))


def table_with(at: AppTest, header_key: str, lang: str = "kk") -> pd.DataFrame:
    header = t(header_key, lang)
    found = [d.value for d in at.dataframe if header in d.value.columns]
    assert found, f"no table with column {header!r}"
    return found[0]


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def values(trace: dict[str, Any]) -> list[float]:
    """A trace's y values (plotly ships arrays base64-encoded)."""
    y = trace["y"]
    if isinstance(y, dict):
        decoded: list[float] = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
        return decoded
    return list(y)


def texts(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for w in [*at.selectbox, *at.multiselect, *at.radio]:
        out += [w.label, *map(str, w.options)]
    out += [e.label for e in at.expander]
    for d in at.dataframe:
        out += list(d.value.columns)
    for spec in charts(at):
        out += [str(tr.get("name")) for tr in spec["data"]]
        out.append(str(spec["layout"].get("title", {}).get("text")))
    return out


def test_financed_totals_and_additional_funding_apart(demo_db: Path) -> None:
    want = budget_summary(lines(demo_db), ["financed"]).set_index("financed")
    at = open_page("budget")
    assert errors(at) == []
    assert metric(at, "budget.planned") == money(cast(float, want.loc[True, "planned"])) == "15\u00a0410\u00a0000"
    assert metric(at, "budget.spent") == money(cast(float, want.loc[True, "spent"]))
    # whole percent, as the tables of the page write it (75.5 % → 76 %)
    absorption = cast(float, want.loc[True, "absorption"])
    assert metric(at, "budget.absorption") == f"{absorption:.0f}%" == "76%"
    # DT §17.2: the additional funding required is its own number, never inside the financed plan
    assert metric(at, "budget.unfunded") == money(cast(float, want.loc[False, "planned"])) == "840\u00a0000"


def test_charts_keep_the_additional_funding_apart(demo_db: Path) -> None:
    all_lines = lines(demo_db)
    summary = budget_summary(all_lines, ["funding_source", "year"])
    financed = summary[summary["funding_source"].ne(UNFUNDED)]
    at = open_page("budget")
    main, unfunded = charts(at)
    planned, spent = main["data"]
    assert sum(values(planned)) == pytest.approx(financed["planned"].sum())
    assert np.nansum(values(spent)) == pytest.approx(financed["spent"].sum())
    unfunded_label = t("enum.funding_source.additional_funding_required", "kk")
    assert not any(unfunded_label in str(x) for x in planned["x"][1])
    assert sum(values(unfunded["data"][0])) == pytest.approx(840_000)
    assert main["layout"]["title"]["text"] == t("budget.chart_title", "kk")


def test_per_project_table(demo_db: Path) -> None:
    all_lines = lines(demo_db)
    want = budget_summary(all_lines, ["project_id"])
    at = open_page("budget")
    shown = table_with(at, "budget.unfunded_col").set_index(t("col.budget.project_id", "kk"))
    financed = want[want["financed"]].set_index("project_id")
    assert sorted(shown.index) == sorted(set(want["project_id"]))
    assert (
        shown.loc["P02", t("budget.financed_planned", "kk")] == cast(float, financed.loc["P02", "planned"]) == 1_050_000
    )
    assert shown.loc["P02", t("budget.unfunded_col", "kk")] == 120_000
    assert "P11" not in shown.index  # cancelled: listed among the lines, left out of the totals
    at.toggle(key="budget_lines_shown").set_value(True).run()
    every = table_with(at, "budget.cancelled")
    assert len(every) == len(all_lines)
    assert "P11" in set(every[t("col.budget.project_id", "kk")])


def test_choosing_a_year(demo_db: Path) -> None:
    at = open_page("budget")
    select(at, "budget_year").set_value(2027).run()
    assert errors(at) == []
    assert metric(at, "budget.planned") == "3\u00a0030\u00a0000"
    assert metric(at, "budget.spent") == "—"
    assert metric(at, "budget.unfunded") == "660\u00a0000"


def test_the_register_of_lines_waits_for_the_toggle(demo_db: Path) -> None:
    at = open_page("budget")
    assert not any(t("budget.cancelled", "kk") in d.value.columns for d in at.dataframe)
    at.toggle(key="budget_lines_shown").set_value(True).run()
    assert errors(at) == []
    assert len(table_with(at, "budget.cancelled")) == len(lines(demo_db))


def test_switching_to_english(demo_db: Path) -> None:
    at = open_page("budget")
    at.selectbox(key="pmo_lang").set_value("en").run()
    assert errors(at) == []
    assert "Budget absorption" in [m.label for m in at.metric]
    assert table_with(at, "col.budget.funding_source", "en")["Funding source"].iloc[0] in {
        "Republican budget",
        "Local budget",
        "Extra-budgetary",
    }


def test_empty_database_explains(empty_db: Path) -> None:
    at = open_page("budget")
    assert errors(at) == []
    assert at.info and t("common.empty_title", "kk") in at.info[0].value


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_raw_catalog_key_is_shown(demo_db: Path, lang: str) -> None:
    at = open_page("budget", lang=lang)
    assert errors(at) == []
    assert not set(texts(at)) & set(catalog())
