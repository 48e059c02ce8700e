"""The overdue page (DOMAIN §4.4; Reg §8.4) under AppTest, checked against the metric functions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import catalog, numbers, t
from loaders import store
from metrics.overdue import completed_late, evaluations_late, overdue_items
from metrics.status import project_status
from tests.apptest import errors, open_page, select

AS_OF = dt.date(2026, 9, 30)


def frames(db: Path, as_of: dt.date = AS_OF) -> dict[str, pd.DataFrame]:
    con = store.connect(db)
    try:
        return {
            "overdue": overdue_items(con, as_of),
            "completed_late": completed_late(con, as_of),
            "evaluations_late": evaluations_late(con, as_of),
            "status": project_status(con, as_of),
        }
    finally:
        con.close()


def table_with(at: AppTest, header_key: str, lang: str = "kk", *, nth: int = 0) -> pd.DataFrame:
    """The ``nth`` table on the page whose columns include the header of ``header_key``."""
    header = t(header_key, lang)
    found = [d.value for d in at.dataframe if header in d.value.columns]
    assert len(found) > nth, f"no table with column {header!r}"
    return found[nth]


def metric(at: AppTest, key: str, lang: str = "kk") -> str:
    return next(m.value for m in at.metric if m.label == t(key, lang))


def texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows (titles, captions, labels, headers, options)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for w in [*at.selectbox, *at.multiselect, *at.radio]:
        out += [w.label, *map(str, w.options)]
    out += [e.label for e in at.expander] + [tab.label for tab in at.tabs]
    for d in at.dataframe:
        out += list(d.value.columns)
    return out


def test_every_overdue_item_most_severe_first(demo_db: Path) -> None:
    want = frames(demo_db)["overdue"]
    at = open_page("overdue")
    assert errors(at) == []
    assert metric(at, "overdue.total") == str(len(want)) == "27"  # 24 of projects, 3 roadmap steps
    longest = int(want["working_days_overdue"].max())
    assert metric(at, "overdue.longest") == numbers.number(longest, "kk")
    shown = table_with(at, "overdue.item")
    assert shown[t("overdue.item", "kk")].tolist() == want["item_id"].tolist()
    working = shown[t("overdue.working_days", "kk")].tolist()
    assert working == sorted(working, reverse=True)
    assert set(shown[t("overdue.kind", "kk")]) <= {t(f"overdue_kind.{k}", "kk") for k in want["kind"]}


def test_groups_by_person_and_by_project(demo_db: Path) -> None:
    want = frames(demo_db)["overdue"]
    at = open_page("overdue")
    people = table_with(at, "overdue.responsible", nth=1)
    assert people[t("overdue.items", "kk")].sum() == len(want)
    row = people[people[t("overdue.responsible", "kk")].eq("Жанар Исмаилова")].iloc[0]
    mine = want[want["responsible"].eq("Жанар Исмаилова")]
    assert row[t("overdue.items", "kk")] == len(mine)
    assert row[t("overdue.max_days", "kk")] == mine["days_overdue"].max()
    projects = table_with(at, "overdue.max_working_days", nth=1)
    assert projects[t("overdue.items", "kk")].sum() == len(want)
    roadmap = want["item_id"].str.split(r"[ /]", regex=True).str[0]  # a roadmap step sits under its roadmap
    expected = set(want["project_id"].where(want["kind"].ne("roadmap_step"), roadmap))
    assert set(projects[t("col.projects.project_id", "kk")]) == expected
    assert {"RM-2", "RM-3"} <= expected


def test_passport_deadline_report_for_the_curator(demo_db: Path) -> None:
    want = frames(demo_db)
    projects = want["overdue"][want["overdue"]["kind"].eq("project")]
    at = open_page("overdue")
    assert metric(at, "overdue.passport") == str(len(projects)) == "1"
    report = table_with(at, "col.projects.curator")
    assert report[t("col.projects.project_id", "kk")].tolist() == ["P06"]
    assert report[t("overdue.working_days", "kk")].tolist() == projects["working_days_overdue"].tolist()
    assert report[t("col.projects.project_manager", "kk")].tolist() == ["Жанар Исмаилова"]
    curator = str(want["status"].set_index("project_id").loc["P06", "curator"])
    cover = [m.value for m in at.markdown if curator in m.value]
    assert cover and "30.09.2026" in cover[0]
    assert any(b.label == t("common.download_xlsx", "kk") for b in at.download_button)


def test_done_late_is_shown_apart_from_overdue(demo_db: Path) -> None:
    want = frames(demo_db)
    at = open_page("overdue")
    late = table_with(at, "col.activities.actual_end")
    ids = late[t("col.activities.activity_id", "kk")].tolist()
    assert ids == want["completed_late"]["activity_id"].tolist() and len(ids) == 11
    assert not set(ids) & set(want["overdue"]["item_id"])
    reports = table_with(at, "overdue.report_due")
    assert reports[t("col.projects.project_id", "kk")].tolist() == want["evaluations_late"]["project_id"].tolist()
    assert metric(at, "overdue.evaluations_late") == "1"


def test_choosing_kinds_narrows_the_list(demo_db: Path) -> None:
    at = open_page("overdue")
    at.multiselect(key="overdue_kinds").set_value(["project"]).run()
    assert errors(at) == []
    shown = table_with(at, "overdue.item")
    assert shown[t("overdue.item", "kk")].tolist() == ["P06"]
    assert shown[t("overdue.kind", "kk")].tolist() == [t("overdue_kind.project", "kk")]


def test_one_list_per_curator_when_several(demo_db: Path) -> None:
    as_of = dt.date(2027, 1, 15)
    want = frames(demo_db, as_of)["overdue"]
    projects = want[want["kind"].eq("project")]
    at = open_page("overdue", as_of=as_of.isoformat())
    assert errors(at) == []
    assert len(table_with(at, "col.projects.curator")) == len(projects) > 1
    select(at, "overdue_curator").set_value("Дәурен Сәрсенбаев").run()
    report = table_with(at, "col.projects.curator")
    assert set(report[t("col.projects.curator", "kk")]) == {"Дәурен Сәрсенбаев"}
    assert "P06" not in report[t("col.projects.project_id", "kk")].tolist()
    assert any("Дәурен Сәрсенбаев" in m.value and "15.01.2027" in m.value for m in at.markdown)


def test_switching_to_russian(demo_db: Path) -> None:
    at = open_page("overdue")
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert t("overdue.total", "ru") in [m.label for m in at.metric]
    assert t("overdue_kind.project", "ru") in table_with(at, "overdue.kind", "ru")[t("overdue.kind", "ru")].tolist()


def test_empty_database_explains(empty_db: Path) -> None:
    at = open_page("overdue")
    assert errors(at) == []
    assert at.info and t("common.empty_title", "kk") in at.info[0].value
    assert not at.dataframe


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_no_raw_catalog_key_is_shown(demo_db: Path, lang: str) -> None:
    at = open_page("overdue", lang=lang)
    assert errors(at) == []
    assert not set(texts(at)) & set(catalog())
